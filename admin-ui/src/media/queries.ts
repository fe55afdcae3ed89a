import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { Kind } from "./format";

export type MediaFilter = { search: string; type: Kind | ""; sort: string };
export const PAGE = 40;

export function useMediaLibrary(f: MediaFilter) {
  return useInfiniteQuery({
    queryKey: ["media", "list", f],
    initialPageParam: 0,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/media", {
          params: {
            query: {
              ...(f.search.trim() ? { search: f.search.trim() } : {}),
              ...(f.type ? { type: f.type } : {}),
              sort: f.sort as "-created_at",
              limit: PAGE,
              offset: pageParam,
            },
          },
        }),
      ),
    getNextPageParam: (last) => (last.meta.offset + last.data.length < last.meta.total ? last.meta.offset + last.data.length : undefined),
  });
}

export function useMediaItem(id: string | null | undefined) {
  return useQuery({
    queryKey: ["media", "item", id],
    queryFn: () => unwrap(api.GET("/api/media/{id}", { params: { path: { id: id! } } })),
    enabled: !!id,
  });
}

export function useMediaUsage(id: string) {
  return useQuery({
    queryKey: ["media", "usage", id],
    queryFn: async () => (await unwrap(api.GET("/api/media/{id}/usage", { params: { path: { id } } }))).data,
  });
}

export const sorts = [
  { value: "-created_at", label: "Newest first" },
  { value: "created_at", label: "Oldest first" },
  { value: "filename", label: "Name A–Z" },
  { value: "-filename", label: "Name Z–A" },
  { value: "-size", label: "Largest first" },
  { value: "size", label: "Smallest first" },
];
