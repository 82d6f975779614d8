"use client";

import { signOut } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { buttonClass, linkClass } from "@/components/ui/styles";

/** Ends the session (next-auth clears its cookie) and returns to the sign-in page. */
export function SignOutButton({ variant = "ghost" }: { variant?: "ghost" | "link" }) {
  const [pending, setPending] = useState(false);
  const router = useRouter();
  return (
    <button
      type="button"
      disabled={pending}
      className={variant === "link" ? linkClass : `${buttonClass.ghost} w-full`}
      onClick={async () => {
        setPending(true);
        await signOut({ redirect: false });
        router.replace("/sign-in");
        router.refresh();
      }}
    >
      {pending ? "Signing out…" : "Sign out"}
    </button>
  );
}
