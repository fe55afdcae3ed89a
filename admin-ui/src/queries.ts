import { useQuery } from "@tanstack/react-query";
import { api, unwrap, type Status } from "./api/client";

export type EntryFilter = {
  type?: string;
  status?: Status | "";
  author?: string;
  locale?: string;
  search?: string;
  sort?: string;
  limit?: number;
  offset?: number;
};

export function useEntries(filter: EntryFilter) {
  const query = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== "" && v !== undefined)) as EntryFilter;
  return useQuery({
    queryKey: ["entries", query],
    queryFn: () => unwrap(api.GET("/api/entries", { params: { query: query as never } })),
  });
}

export function useContentTypes() {
  return useQuery({
    queryKey: ["content-types"],
    queryFn: async () => (await unwrap(api.GET("/api/content-types"))).data,
    staleTime: 60_000,
  });
}

export function useInstance() {
  return useQuery({
    queryKey: ["setup"],
    queryFn: () => unwrap(api.GET("/api/setup")),
    staleTime: Infinity,
  });
}

/** useLocales is the locale settings: the default and the list, in order. */
export function useLocales() {
  return useQuery({
    queryKey: ["locales"],
    queryFn: () => unwrap(api.GET("/api/locales")),
    staleTime: 60_000,
  });
}
