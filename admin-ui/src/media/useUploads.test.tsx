import { afterEach, describe, expect, it, vi } from "vitest";
import { act, renderHook, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useUploads } from "./useUploads";

type Pending = { name: string; finish: (status: number, body: unknown) => void; progress: (loaded: number) => void };

/** A fake XMLHttpRequest whose answers the test gives, one upload at a time. */
function fakeXHR() {
  const pending: Pending[] = [];
  class FakeXHR {
    upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = { onprogress: null };
    onload: (() => void) | null = null;
    onerror: (() => void) | null = null;
    onabort: (() => void) | null = null;
    status = 0;
    responseText = "";
    open() {}
    setRequestHeader() {}
    abort() {
      this.onabort?.();
    }
    send(form: FormData) {
      pending.push({
        name: (form.get("file") as File).name,
        finish: (status, body) => {
          this.status = status;
          this.responseText = JSON.stringify(body);
          this.onload?.();
        },
        progress: (loaded) => this.upload.onprogress?.({ loaded, total: 10, lengthComputable: true }),
      });
    }
  }
  vi.stubGlobal("XMLHttpRequest", FakeXHR);
  return pending;
}

const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={new QueryClient()}>{children}</QueryClientProvider>;
const file = (name: string) => new File([new Uint8Array(10)], name, { type: "image/png" });

afterEach(() => vi.unstubAllGlobals());

describe("useUploads", () => {
  it("runs three uploads at a time, each with its own progress and outcome, and retries a failed one", async () => {
    const xhr = fakeXHR();
    const done = vi.fn();
    const { result } = renderHook(() => useUploads(done), { wrapper });
    act(() => void result.current.add(["a.png", "b.png", "c.png", "d.png"].map(file)));
    await waitFor(() => expect(xhr.length).toBe(3));
    const status = () => Object.fromEntries(result.current.items.map((u) => [u.file.name, u.status]));
    expect(status()).toEqual({ "a.png": "uploading", "b.png": "uploading", "c.png": "uploading", "d.png": "queued" });

    act(() => xhr[0]!.progress(4));
    await waitFor(() => expect(result.current.items.find((u) => u.file.name === "a.png")!.progress.loaded).toBe(4));

    act(() => xhr[1]!.finish(413, { error: { code: "payload_too_large", message: "over 1 MB" } }));
    await waitFor(() => expect(xhr.length).toBe(4)); // d starts once b is out of the way
    expect(result.current.items.find((u) => u.file.name === "b.png")!.problem).toEqual({ headline: "Too large", detail: "over 1 MB" });

    act(() => xhr[0]!.finish(201, { id: "m-a" }));
    await waitFor(() => expect(status()["a.png"]).toBe("done"));
    expect(done).toHaveBeenCalledWith({ id: "m-a" });

    act(() => result.current.retry(result.current.items.find((u) => u.file.name === "b.png")!.key));
    await waitFor(() => expect(xhr.length).toBe(5));
    expect(xhr[4]!.name).toBe("b.png");

    act(() => result.current.cancel(result.current.items.find((u) => u.file.name === "c.png")!.key));
    await waitFor(() => expect(status()["c.png"]).toBe("cancelled"));
  });
});
