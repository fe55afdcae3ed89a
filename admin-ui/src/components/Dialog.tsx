import { useEffect, useRef, type ReactNode } from "react";
import { createPortal } from "react-dom";

type Props = {
  labelledBy: string;
  describedBy?: string;
  onClose: () => void;
  className?: string;
  children: ReactNode;
};

/**
 * Dialog is a modal <dialog>: the browser keeps the focus inside it and the
 * page behind it inert; Escape (or the backdrop) closes it, and the focus
 * goes back to whatever had it before. Mount it to open it.
 */
export function Dialog({ labelledBy, describedBy, onClose, className, children }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  const unmounting = useRef(false);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    unmounting.current = false;
    if (!d.open) d.showModal();
    return () => {
      unmounting.current = true;
      if (d.open) d.close();
      // The opener may have been re-rendered away; then the page's main landmark takes the focus.
      if (opener?.isConnected) opener.focus();
      else document.getElementById("main")?.focus();
    };
  }, []);
  // In a portal, so that a dialog opened from inside a form (the entry editor) is not
  // a form inside a form; React still bubbles its events up its own tree, so submits
  // stop at the dialog.
  return createPortal(
    <dialog
      ref={ref}
      className={`dialog ${className ?? ""}`}
      aria-labelledby={labelledBy}
      aria-describedby={describedBy}
      onCancel={(e) => {
        e.preventDefault();
        e.stopPropagation();
        close.current();
      }}
      onMouseDown={(e) => {
        // A press on the backdrop (the dialog element itself, outside its box) closes it.
        if (e.target !== ref.current) return;
        const r = ref.current.getBoundingClientRect();
        const inside = e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom;
        if (!inside) close.current();
      }}
      onSubmit={(e) => e.stopPropagation()}
      // The browser may close a modal by itself (a second Escape in a row): follow it.
      onClose={() => {
        if (!unmounting.current) close.current();
      }}
    >
      {children}
    </dialog>,
    document.body,
  );
}
