// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { UsageTable, type UsageTableRow } from "@/components/usage/usage-table";

// The table as a user drives it: click a column header to sort, click again to reverse, page
// with Previous/Next. Rendered by React into a DOM (happy-dom), clicked through the DOM.

afterEach(cleanup);

const buckets = ["2026-11", "2026-12"];
/** user-00 … user-44, totals not in label order so that sorting by either is visible. */
const rows: UsageTableRow[] = Array.from({ length: 45 }, (_, i) => {
  const a = (i * 7) % 45;
  const b = i % 3;
  return { key: `u${i}`, label: `user-${String(i).padStart(2, "0")}`, total: a + b, values: [a, b] };
});

const labels = () => within(screen.getByRole("table")).getAllByRole("rowheader").map((c) => c.textContent);
const header = (name: RegExp) => screen.getByRole("columnheader", { name });
const click = (name: RegExp) => fireEvent.click(within(header(name)).getByRole("button"));

describe("UsageTable", () => {
  it("opens sorted by total, largest first, 20 rows on page 1 of 3", () => {
    render(<UsageTable caption="GPU-hours by user" keyHeader="User" buckets={buckets} rows={rows} />);
    expect(header(/^Total/).getAttribute("aria-sort")).toBe("descending");
    expect(header(/^User/).getAttribute("aria-sort")).toBe("none");
    const shown = labels();
    expect(shown).toHaveLength(20);
    const totals = shown.map((l) => rows.find((r) => r.label === l)!.total);
    expect(totals).toEqual([...totals].sort((x, y) => y - x));
    expect(totals[0]).toBe(Math.max(...rows.map((r) => r.total)));
    expect(screen.getByText("Page 1 of 3")).toBeTruthy();
    expect((screen.getByRole("button", { name: "Previous" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("sorts by the name column A→Z on first click, Z→A on the second", () => {
    render(<UsageTable caption="GPU-hours by user" keyHeader="User" buckets={buckets} rows={rows} />);
    click(/^User/);
    expect(header(/^User/).getAttribute("aria-sort")).toBe("ascending");
    expect(labels().slice(0, 3)).toEqual(["user-00", "user-01", "user-02"]);
    click(/^User/);
    expect(header(/^User/).getAttribute("aria-sort")).toBe("descending");
    expect(labels().slice(0, 3)).toEqual(["user-44", "user-43", "user-42"]);
    expect(header(/^Total/).getAttribute("aria-sort")).toBe("none");
  });

  it("sorts by a bucket column, largest first, then reversed", () => {
    render(<UsageTable caption="GPU-hours by user" keyHeader="User" buckets={buckets} rows={rows} />);
    click(/^2026-12/);
    expect(header(/^2026-12/).getAttribute("aria-sort")).toBe("descending");
    const valueOf = (l: string | null) => rows.find((r) => r.label === l)!.values[1];
    // 15 rows have 2 in this column, 15 have 1, 15 have 0: page 1 is the fifteen 2s, then 1s.
    expect(labels().map(valueOf)).toEqual([...Array(15).fill(2), ...Array(5).fill(1)]);
    click(/^2026-12/);
    expect(header(/^2026-12/).getAttribute("aria-sort")).toBe("ascending");
    expect(labels().map(valueOf)).toEqual([...Array(15).fill(0), ...Array(5).fill(1)]);
  });

  it("pages through every row once with Next and Previous", () => {
    render(<UsageTable caption="GPU-hours by user" keyHeader="User" buckets={buckets} rows={rows} />);
    click(/^User/);
    const next = screen.getByRole("button", { name: "Next" }) as HTMLButtonElement;
    const seen = [...labels()];
    fireEvent.click(next);
    expect(screen.getByText("Page 2 of 3")).toBeTruthy();
    seen.push(...labels());
    fireEvent.click(next);
    expect(screen.getByText("Page 3 of 3")).toBeTruthy();
    expect(next.disabled).toBe(true);
    expect(labels()).toHaveLength(5);
    seen.push(...labels());
    expect(seen).toEqual(rows.map((r) => r.label));
    fireEvent.click(screen.getByRole("button", { name: "Previous" }));
    expect(screen.getByText("Page 2 of 3")).toBeTruthy();
    expect(labels()[0]).toBe("user-20");
  });

  it("shows no pager when every row fits on one page", () => {
    render(<UsageTable caption="GPU-hours by user" keyHeader="User" buckets={buckets} rows={rows.slice(0, 20)} />);
    expect(screen.queryByRole("navigation", { name: "Table pages" })).toBeNull();
    expect(labels()).toHaveLength(20);
  });
});
