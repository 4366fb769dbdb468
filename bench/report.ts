import type { CheckFigures } from "./checks";
import type { HistoryFigures } from "./history";
import { DAILY_LOAD } from "./history";
import type { Stat } from "./measure";
import type { PipelineFigures } from "./pipeline";
import { CODECS, INSIGHT_COLUMNS, INSIGHT_QUERY, StorageFigures } from "./storage";

export interface BenchResults {
  readonly mode: "quick" | "full";
  /** What this run measured (sizes, depths, sections). */
  readonly plan?: string;
  readonly runs: number;
  readonly sections: readonly string[];
  readonly started: string;
  readonly seconds: number;
  readonly machine: Record<string, unknown>;
  readonly pipeline: readonly PipelineFigures[];
  readonly checks: CheckFigures | undefined;
  readonly history: readonly HistoryFigures[];
  readonly storage: StorageFigures | undefined;
}

const int = (n: number): string => Math.round(n).toLocaleString("en-US");
const fixed = (n: number, digits: number): string => n.toFixed(digits);
/** "median (min–max)". */
const range = (s: Stat, digits = 2, unit = ""): string => `${fixed(s.median, digits)}${unit} (${fixed(s.min, digits)}–${fixed(s.max, digits)})`;
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(bytes < 10 * 2 ** 20 ? 2 : 1);
const rowsPerSecond = (rows: number, s: Stat): string => `${int(rows / s.median)} rows/s`;

interface Verdict {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

const verdictText = (v: Verdict): string => (v.met === undefined ? "not measured in this run" : v.met ? "met" : "**missed**");

function within(limit: number, ...ratios: Stat[]): boolean {
  return ratios.every((r) => r.median <= limit);
}

/** Every target of issue 8 against the figures of this run (medians; both CPU and wall time must be within). */
export function verdicts(r: BenchResults): Verdict[] {
  const out: Verdict[] = [];
  for (const rows of [1_000_000, 5_000_000]) {
    const p = r.pipeline.find((f) => f.rows === rows);
    out.push({
      target: `${int(rows)} rows: CSV → processed + quarantine within 2x DuckDB's plain COPY`,
      measured: p === undefined ? "—" : `${fixed(p.ratio.toProcessedCpu.median, 2)}x CPU, ${fixed(p.ratio.toProcessedWall.median, 2)}x wall`,
      met: p === undefined ? undefined : within(2, p.ratio.toProcessedCpu, p.ratio.toProcessedWall),
    });
    out.push({
      target: `${int(rows)} rows: whole load (incl. curated) within 3x the plain COPY`,
      measured: p === undefined ? "—" : `${fixed(p.ratio.loadCpu.median, 2)}x CPU, ${fixed(p.ratio.loadWall.median, 2)}x wall`,
      met: p === undefined ? undefined : within(3, p.ratio.loadCpu, p.ratio.loadWall),
    });
  }
  const five = r.pipeline.find((f) => f.rows === 5_000_000);
  out.push({ target: "peak memory of the 5,000,000-row load at most 2 GiB", measured: five === undefined ? "—" : `${range(five.load.peakMiB, 0, " MiB")}`, met: five === undefined ? undefined : five.load.peakMiB.max <= 2048 });
  const twenty = r.pipeline.find((f) => f.rows === 20_000_000);
  out.push({ target: "20,000,000 rows complete", measured: twenty === undefined ? "—" : `${range(twenty.load.wall, 0, " s")}, ${range(twenty.load.peakMiB, 0, " MiB")} peak`, met: twenty === undefined ? undefined : true });
  const sequential = r.history.filter((h) => h.keys === "sequential");
  const deepest = sequential[sequential.length - 1];
  const shallowest = sequential[0];
  const depth = deepest === undefined ? "" : ` (${deepest.priorLoads} prior loads)`;
  out.push({
    target: `daily load after 100 prior loads within 1.2x of the same load into an empty lake${depth}`,
    measured: deepest === undefined ? "—" : `${fixed(deepest.ratio.loadCpu.median, 2)}x CPU, ${fixed(deepest.ratio.loadWall.median, 2)}x wall`,
    met: deepest === undefined ? undefined : within(1.2, deepest.ratio.loadCpu, deepest.ratio.loadWall),
  });
  out.push({
    target: `its peak memory flat${depth}`,
    measured: deepest === undefined ? "—" : `${fixed(deepest.ratio.loadPeak.median, 2)}x (${fixed(deepest.history.load.peakMiB.median, 0)} vs ${fixed(deepest.empty.load.peakMiB.median, 0)} MiB)`,
    met: deepest === undefined ? undefined : deepest.ratio.loadPeak.median <= 1.2,
  });
  out.push({
    target: `its check within 1.2x, peak memory flat${depth}`,
    measured: deepest === undefined ? "—" : `${fixed(deepest.ratio.checkCpu.median, 2)}x CPU, ${fixed(deepest.ratio.checkWall.median, 2)}x wall, memory ${fixed(deepest.ratio.checkPeak.median, 2)}x`,
    met: deepest === undefined ? undefined : within(1.2, deepest.ratio.checkCpu, deepest.ratio.checkWall, deepest.ratio.checkPeak),
  });
  const random = r.history.filter((h) => h.keys === "random");
  const deepestRandom = random[random.length - 1];
  out.push({
    target: `the same with random trade ids and 500 trades of five earlier days re-sent${deepestRandom === undefined ? "" : ` (${deepestRandom.priorLoads} prior loads)`}`,
    measured:
      deepestRandom === undefined
        ? "—"
        : `load ${fixed(deepestRandom.ratio.loadCpu.median, 2)}x CPU, ${fixed(deepestRandom.ratio.loadWall.median, 2)}x wall, memory ${fixed(deepestRandom.ratio.loadPeak.median, 2)}x; check ${fixed(deepestRandom.ratio.checkCpu.median, 2)}x CPU; ${deepestRandom.keyIndexesRead ?? "—"} key indexes and ${deepestRandom.curatedFilesRead} of ${deepestRandom.curatedFiles} curated files read`,
    met: deepestRandom === undefined ? undefined : within(1.2, deepestRandom.ratio.loadCpu, deepestRandom.ratio.loadWall, deepestRandom.ratio.checkCpu, deepestRandom.ratio.checkWall),
  });
  out.push({
    target: "files written per load per dataset bounded by the partitions it touches",
    measured:
      deepest === undefined || shallowest === undefined
        ? "—"
        : `transactions: ${shallowest.filesWritten.transactions} files at ${shallowest.priorLoads} prior load(s), ${deepest.filesWritten.transactions} at ${deepest.priorLoads} (${deepest.curatedPartitions} curated partitions touched); providers and customers ${deepest.filesWritten.providers} and ${deepest.filesWritten.customers}`,
    met: deepest === undefined || shallowest === undefined ? undefined : deepest.filesWritten.transactions <= shallowest.filesWritten.transactions,
  });
  const checks = r.checks;
  const strategy = (prefix: string) => checks?.strategies.find((s) => s.name.startsWith(prefix));
  const counts = strategy("rule suite: aggregate query, counts only");
  const suite = strategy("rule suite: aggregate + anti-joins");
  out.push({ target: "check, counts only, within 2x a bare scan of the same columns (CPU)", measured: counts === undefined ? "—" : `${fixed(counts.ratioToFloor.median, 2)}x`, met: counts === undefined ? undefined : counts.ratioToFloor.median <= 2 });
  out.push({ target: "check with every rule, samples and references within 3x the bare scan (CPU)", measured: suite === undefined ? "—" : `${fixed(suite.ratioToFloor.median, 2)}x`, met: suite === undefined ? undefined : suite.ratioToFloor.median <= 3 });
  out.push({ target: "queries per dataset: one plus one per referenced dataset", measured: suite === undefined ? "—" : `transactions: ${suite.queries} (2 referenced datasets)`, met: suite === undefined ? undefined : suite.queries === 3 });
  return out;
}

function pipelineTable(figures: readonly PipelineFigures[]): string {
  return [
    "| rows | CSV MB | plain COPY | CSV → processed + quarantine | whole load (incl. curated) | to processed / COPY | whole load / COPY | peak memory COPY / load | files written |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...figures.map(
      (f) =>
        `| ${int(f.rows)} | ${int(f.csvBytes / 1e6)} | ${range(f.copy.wall, 2, " s")}, ${rowsPerSecond(f.rows, f.copy.wall)}; CPU ${range(f.copy.cpu, 2, " s")} | ` +
        `${range(f.toProcessed.wall, 2, " s")}; CPU ${range(f.toProcessed.cpu, 2, " s")} | ${range(f.load.wall, 2, " s")}, ${rowsPerSecond(f.rows, f.load.wall)}; CPU ${range(f.load.cpu, 2, " s")} | ` +
        `CPU ${range(f.ratio.toProcessedCpu, 2, "x")}; wall ${range(f.ratio.toProcessedWall, 2, "x")} | CPU ${range(f.ratio.loadCpu, 2, "x")}; wall ${range(f.ratio.loadWall, 2, "x")} | ` +
        `${fixed(f.copy.peakMiB.median, 0)} / ${range(f.load.peakMiB, 0, " MiB")} | ${f.filesWritten} (${f.curatedPartitions} trade months) |`,
    ),
  ].join("\n");
}

function checksTable(c: CheckFigures): string {
  return [
    `${int(c.rows)} transactions, the ${c.rules} shipped transactions rules, ${"references"} against curated providers (500) and customers (20,000).`,
    "",
    "| strategy | queries | batch MiB read | referenced MiB read | Athena would bill (MiB) | wall s | CPU s | CPU / floor |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...c.strategies.map(
      (s) =>
        `| ${s.name} | ${s.queries} | ${fixed(s.mibRead, 1)} | ${s.referencedMibRead === undefined ? "—" : fixed(s.referencedMibRead, 2)} | ${s.athenaBilledMib === undefined ? "—" : int(s.athenaBilledMib)} | ` +
        `${range(s.wall)} | ${range(s.cpu)} | ${range(s.ratioToFloor, 2, "x")} |`,
    ),
    "",
    "Athena bills each query for the bytes it scans, rounded up to the MiB, at least 10 MB: one query per rule pays that minimum once per rule.",
  ].join("\n");
}

const KEY_LABELS: Readonly<Record<HistoryFigures["keys"], string>> = {
  sequential: "sequential, corrections of the previous day",
  random: "random (hashes), trades of five earlier days re-sent",
};

function historyTable(figures: readonly HistoryFigures[]): string {
  return [
    "| trade ids | prior loads | curated files (indexes read; files read by the merge) | load, empty lake | load, with history | load ratio | check, empty lake | check, with history | check ratio | peak memory, load / check | files written (tx, prov, cust) |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...figures.map(
      (h) =>
        `| ${KEY_LABELS[h.keys]} | ${h.priorLoads} | ${h.curatedFiles} (${h.keyIndexesRead ?? "—"}; ${h.curatedFilesRead ?? "—"}) | CPU ${range(h.empty.load.cpu)} s; wall ${range(h.empty.load.wall)} s | CPU ${range(h.history.load.cpu)} s; wall ${range(h.history.load.wall)} s | ` +
        `CPU ${range(h.ratio.loadCpu, 2, "x")}; wall ${range(h.ratio.loadWall, 2, "x")} | CPU ${range(h.empty.check.cpu)} s; wall ${range(h.empty.check.wall)} s | CPU ${range(h.history.check.cpu)} s; wall ${range(h.history.check.wall)} s | ` +
        `CPU ${range(h.ratio.checkCpu, 2, "x")}; wall ${range(h.ratio.checkWall, 2, "x")} | ${fixed(h.history.load.peakMiB.median, 0)} MiB (${fixed(h.ratio.loadPeak.median, 2)}x) / ${fixed(h.history.check.peakMiB.median, 0)} MiB (${fixed(h.ratio.checkPeak.median, 2)}x) | ` +
        `${h.filesWritten.transactions}, ${h.filesWritten.providers}, ${h.filesWritten.customers} |`,
    ),
  ].join("\n");
}

function storageTables(s: StorageFigures): string {
  const head = `| dataset | rows | raw CSV (as received) | processed as CSV | ${CODECS.map((c) => `Parquet ${c}`).join(" | ")} |`;
  const csvBytes = s.insightBytes["raw CSV (as received)"];
  const zstd = s.insightBytes["Parquet zstd"];
  return [
    `MiB on disk, from a BTG-style export of ${int(s.transactions)} transactions (the lake writes ZSTD).`,
    "",
    head,
    `|---|---:|---:|---:|${CODECS.map(() => "---:").join("|")}|`,
    ...s.datasets.map((d) => `| ${d.dataset} | ${int(d.rows)} | ${mib(d.rawCsvBytes)} | ${mib(d.processedCsvBytes)} | ${CODECS.map((c) => `${mib(d.parquetBytes[c])} (${fixed((100 * d.parquetBytes[c]) / d.rawCsvBytes, 0)}%)`).join(" | ")} |`),
    "",
    `The insight query (energy sold per trade month and energy type; it needs ${INSIGHT_COLUMNS.map((c) => `\`${c}\``).join(", ")}):`,
    "",
    "```sql",
    INSIGHT_QUERY,
    "```",
    "",
    "| transactions stored as | MiB the query reads | vs raw CSV |",
    "|---|---:|---:|",
    ...Object.entries(s.insightBytes).map(([what, bytes]) => `| ${what} | ${mib(bytes)} | ${fixed((100 * bytes) / csvBytes, 1)}% |`),
    "",
    `On this data, Parquet (ZSTD) scans **${fixed(100 - (100 * zstd) / csvBytes, 1)}% less** than the CSV as received for this query ` +
      `(the often-quoted figure is 82%). DuckDB answers it in ${range(s.insightSeconds.parquet, 3, " s")} from the Parquet file and ${range(s.insightSeconds.csv, 3, " s")} from the CSV.`,
  ].join("\n");
}

export function renderMarkdown(r: BenchResults, analysis: string): string {
  const m = r.machine;
  const lines = [
    "# Benchmarks",
    "",
    "<!-- Generated by `npm run bench` (bench/run.ts) from bench/results.json; the analysis comes from bench/analysis.md. Edit those, not this file. -->",
    "",
    "`npm run bench` runs the full benchmark (1M, 5M and 20M rows; 1, 10, 30 and 100 prior loads;",
    "random trade ids too; about 12 minutes on a quiet 2-core machine); `npm run bench -- --quick` a shorter one (1M",
    "rows, 1 and 30 prior loads; under 3 minutes on a quiet 2-core machine). Both write",
    "bench/results.json, this page and docs/img/benchmarks.svg. Benchmarks are never test assertions.",
    "",
    `**This page: the ${r.mode} run of ${r.started.slice(0, 16).replace("T", " ")} UTC, ${r.runs} runs per figure, ${int(r.seconds)} s in all${r.plan === undefined ? "" : `: ${r.plan}`}.**`,
    "",
    "| machine | |",
    "|---|---|",
    `| CPU | ${String(m.cpu)}, ${String(m.cores)} cores |`,
    `| memory | ${String(m.memoryGiB)} GiB |`,
    `| system | ${String(m.platform)}, Node ${String(m.node)}, DuckDB ${String(m.duckdb)} |`,
    `| load average (1, 5, 15 min) before / after | ${(m.loadAverage as number[]).join(", ")} / ${(m.loadAverageAfter as number[]).join(", ")} |`,
    "",
    "## How the figures are taken",
    "",
    "- Every figure is the **median (min–max) of the runs**. Ratios are taken **within each run** (the",
    "  load and its baseline measured one right after the other), then summarised, so a machine",
    "  busier during one run moves both sides of its ratio together.",
    "- Loads, copies and checks each run in a **fresh Node process** (bench/worker.ts, bundled with",
    "  esbuild), which reports its wall time, its **CPU time** (user + system of all DuckDB threads,",
    "  `process.cpuUsage`) and its **peak resident memory** (`maxRSS`, Node's ~60 MiB included). CPU",
    "  time is the figure a shared machine disturbs least; wall time is shown next to it. The rule",
    "  strategies run in the bench's own process, in turn within each run, after one warm-up.",
    "- Data: the generator's BTG-style exports (semicolons, decimal commas, dd/MM/yyyy, Spanish",
    "  headers and spellings, its default defects) for the size tables; for the history, daily exports",
    `  of ${DAILY_LOAD}, loaded one day after another with \`lake run\` (no shortcut).`,
    "",
    "## Targets",
    "",
    "| target (issue 8) | measured (median) | |",
    "|---|---|---|",
    ...verdicts(r).map((v) => `| ${v.target} | ${v.measured} | ${verdictText(v)} |`),
    "",
  ];
  if (r.pipeline.length > 0) {
    lines.push(
      "## Load vs DuckDB's plain COPY",
      "",
      "The baseline is DuckDB's own `COPY (SELECT * FROM read_csv(file)) TO 'x.parquet' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)`",
      "of the same transactions CSV (the codec and level the lake writes): auto-detected types, no line numbers, no quarantine, one file.",
      "`lake run` lands the raw bytes, parses with per-record rejects and line numbers, types every value",
      "through the contract (header aliases, trimming, value maps, decimal commas, shape-checked dates),",
      "writes processed and quarantine with reasons, merges curated by trade month, and commits.",
      "",
      pipelineTable(r.pipeline),
      "",
    );
  }
  if (r.checks !== undefined) lines.push("## Check suite vs bare scan vs one query per rule", "", checksTable(r.checks), "");
  if (r.history.length > 0) {
    lines.push(
      "## Load and check vs prior loads",
      "",
      "![load and check time with history, as a ratio of the same load into an empty lake](img/benchmarks.svg)",
      "",
      `Each daily load: ${DAILY_LOAD}. Run r at depth N loads day N+r (so N, N+1, N+2 prior loads) into the`,
      "lake and the same export into an empty lake; both loads are then checked (every shipped rule, samples,",
      "references, layer counts). \"curated files\": transactions' curated files before the measured loads; \"indexes read\": key indexes whose hashes the merge read (the files whose key range holds one of the load's keys); \"files read\": curated files whose rows it read (those holding a key the load sends again).",
      "",
      historyTable(r.history),
      "",
    );
  }
  if (r.storage !== undefined) lines.push("## Storage: CSV vs Parquet", "", storageTables(r.storage), "");
  lines.push(analysis.trim(), "");
  return lines.join("\n");
}

/** An SVG line chart: history ratios (median, with the min–max range) against prior loads, and the 1.2x target. */
export function renderChart(r: BenchResults): string {
  const width = 720;
  const height = 360;
  const margin = { left: 60, right: 190, top: 40, bottom: 50 };
  const series: { label: string; colour: string; dash: string; points: { x: number; s: Stat }[] }[] = [];
  for (const keys of ["sequential", "random"] as const) {
    const figures = r.history.filter((h) => h.keys === keys);
    if (figures.length === 0) continue;
    const dash = keys === "random" ? "6 4" : "";
    series.push({ label: `load CPU (${keys} ids)`, colour: "#1f77b4", dash, points: figures.map((h) => ({ x: h.priorLoads, s: h.ratio.loadCpu })) });
    series.push({ label: `load wall (${keys} ids)`, colour: "#aec7e8", dash, points: figures.map((h) => ({ x: h.priorLoads, s: h.ratio.loadWall })) });
    series.push({ label: `check CPU (${keys} ids)`, colour: "#d62728", dash, points: figures.map((h) => ({ x: h.priorLoads, s: h.ratio.checkCpu })) });
    series.push({ label: `check wall (${keys} ids)`, colour: "#ff9896", dash, points: figures.map((h) => ({ x: h.priorLoads, s: h.ratio.checkWall })) });
  }
  const xs = [...new Set(r.history.map((h) => h.priorLoads))].sort((a, b) => a - b);
  const maxY = Math.max(1.6, ...series.flatMap((s) => s.points.map((p) => p.s.max))) * 1.05;
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  // Prior loads on a log scale: 1, 10, 30, 100 spread evenly enough to read.
  const logX = (x: number): number => Math.log10(x + 1);
  const minX = logX(xs[0] ?? 1);
  const spanX = Math.max(logX(xs[xs.length - 1] ?? 100) - minX, 1e-9);
  const px = (x: number): number => margin.left + ((logX(x) - minX) / spanX) * plotW;
  const py = (y: number): number => margin.top + plotH - (y / maxY) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${margin.left}" y="22" font-size="14" font-weight="bold">Daily load and its check after N prior loads, ÷ the same into an empty lake</text>`,
    `<line x1="${margin.left}" y1="${py(0)}" x2="${margin.left + plotW}" y2="${py(0)}" stroke="#333"/>`,
    `<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${py(0)}" stroke="#333"/>`,
  ];
  for (let y = 0; y <= maxY; y += 0.2) {
    out.push(`<line x1="${margin.left - 4}" y1="${py(y).toFixed(1)}" x2="${margin.left}" y2="${py(y).toFixed(1)}" stroke="#333"/>`);
    out.push(`<text x="${margin.left - 8}" y="${(py(y) + 4).toFixed(1)}" text-anchor="end">${y.toFixed(1)}x</text>`);
  }
  for (const x of xs) out.push(`<text x="${px(x).toFixed(1)}" y="${py(0) + 18}" text-anchor="middle">${x}</text>`);
  out.push(`<text x="${margin.left + plotW / 2}" y="${height - 12}" text-anchor="middle">prior loads</text>`);
  out.push(`<line x1="${margin.left}" y1="${py(1.2).toFixed(1)}" x2="${margin.left + plotW}" y2="${py(1.2).toFixed(1)}" stroke="#2ca02c" stroke-dasharray="3 3"/>`);
  out.push(`<text x="${margin.left + plotW - 4}" y="${(py(1.2) - 5).toFixed(1)}" text-anchor="end" fill="#2ca02c">target 1.2x</text>`);
  series.forEach((s, i) => {
    const path = s.points.map((p, j) => `${j === 0 ? "M" : "L"}${px(p.x).toFixed(1)},${py(p.s.median).toFixed(1)}`).join(" ");
    out.push(`<path d="${path}" fill="none" stroke="${s.colour}" stroke-width="2"${s.dash === "" ? "" : ` stroke-dasharray="${s.dash}"`}/>`);
    for (const p of s.points) {
      out.push(`<line x1="${px(p.x).toFixed(1)}" y1="${py(p.s.min).toFixed(1)}" x2="${px(p.x).toFixed(1)}" y2="${py(p.s.max).toFixed(1)}" stroke="${s.colour}" stroke-width="1"/>`);
      out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.s.median).toFixed(1)}" r="3" fill="${s.colour}"/>`);
    }
    const ly = margin.top + 10 + i * 18;
    out.push(`<line x1="${width - margin.right + 15}" y1="${ly}" x2="${width - margin.right + 40}" y2="${ly}" stroke="${s.colour}" stroke-width="2"${s.dash === "" ? "" : ` stroke-dasharray="${s.dash}"`}/>`);
    out.push(`<text x="${width - margin.right + 45}" y="${ly + 4}">${s.label}</text>`);
  });
  out.push(`<text x="${width - margin.right + 15}" y="${height - margin.bottom}" fill="#555">median; bars: min–max of ${r.runs} runs</text>`);
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
