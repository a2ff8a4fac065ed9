/** What monitoring pages show when Prometheus cannot answer; the rest of the page keeps working. */
export function MetricsUnavailable({ reason }: { reason: string }) {
  return (
    <div role="alert" className="mb-4 rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
      Metrics unavailable: {reason}
    </div>
  );
}
