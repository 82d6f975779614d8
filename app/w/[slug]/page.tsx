import { redirect } from "next/navigation";
import { requireWorkspace } from "@/lib/edge/workspace-access";

export default async function WorkspaceHome({ params }: { params: Promise<{ slug: string }> }) {
  const access = await requireWorkspace((await params).slug);
  redirect(`/w/${access.workspace.slug}/inbox`);
}
