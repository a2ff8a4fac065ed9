import NextAuth from "next-auth";
import { getAuthOptions } from "@/lib/auth/auth-options";

// Options are built on first request, after lib/env has validated the configuration.
async function handler(request: Request, context: { params: Promise<{ nextauth: string[] }> }): Promise<Response> {
  return NextAuth(getAuthOptions())(request, context);
}

export { handler as GET, handler as POST };
