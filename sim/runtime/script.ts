/**
 * The Job script language: what the simulator runs for containers whose command is a shell script
 * (`sh -c`, `bash -c`), so tests control duration, logs and exit codes without running anything on
 * the host. Statements are separated by newlines and `;`; `#` starts a comment. Commands:
 *   sleep N        wait N seconds of simulated time (suffixes s, m, h)
 *   echo [-n] ...  print words; $VAR and ${VAR} expand from the container env and assignments
 *   exit C         stop with exit code C
 *   busy N         N seconds with the pod's GPUs ~95% active (DCGM metrics), then continue
 *   fail-if-index I  exit 1 when JOB_COMPLETION_INDEX equals I
 *   true, false, : status 0 / 1 / 0
 *   NAME=value, export NAME=value   set a variable
 * Anything else is logged as ignored and has status 0. The script's exit code is the last status.
 */

export interface ScriptIO {
  env: Record<string, string>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Resolves after simulated ms, or early (false) when the container is being stopped. */
  sleep(simMs: number): Promise<boolean>;
  busy(simMs: number): void;
}

export interface ShellCommand { script: string; shell: string }

const shells = new Set(["sh", "bash", "ash", "dash", "zsh"]);

/** Recognises `[sh|bash] -c <script>` in command + args (the script may be in args). */
export function shellScript(command: string[] | undefined, args: string[] | undefined): ShellCommand | undefined {
  const argv = [...(command ?? []), ...(args ?? [])];
  const shell = (argv[0] ?? "").split("/").pop() ?? "";
  if (!shells.has(shell)) return undefined;
  const c = argv.findIndex((a, i) => i > 0 && /^-[a-z]*c[a-z]*$/.test(a));
  if (c < 0 || argv[c + 1] === undefined) return undefined;
  return { script: argv[c + 1]!, shell };
}

/** Splits a script into statements of words, honouring quotes, comments, newlines and `;`. */
export function parseScript(script: string): string[][] {
  const statements: string[][] = [];
  let words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  const endWord = () => {
    if (inWord) words.push(word);
    word = "";
    inWord = false;
  };
  const endStatement = () => {
    endWord();
    if (words.length) statements.push(words);
    words = [];
  };
  for (let i = 0; i < script.length; i++) {
    const ch = script[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === "\\" && quote === '"' && i + 1 < script.length) word += script[++i];
      else word += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === "\\" && script[i + 1] === "\n") i++;
    else if (ch === "\\" && i + 1 < script.length) {
      word += script[++i];
      inWord = true;
    } else if (ch === "#" && !inWord) {
      while (i + 1 < script.length && script[i + 1] !== "\n") i++;
    } else if (ch === "\n" || ch === ";") endStatement();
    else if (ch === "&" && script[i + 1] === "&") {
      endStatement();
      i++;
    } else if (ch === " " || ch === "\t" || ch === "\r") endWord();
    else {
      word += ch;
      inWord = true;
    }
  }
  endStatement();
  return statements;
}

function expand(word: string, vars: Record<string, string>): string {
  return word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a: string | undefined, b: string | undefined) => vars[a ?? b ?? ""] ?? "");
}

function seconds(arg: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?|\.\d+)([smh]?)$/.exec(arg ?? "");
  if (!m) return NaN;
  return Number(m[1]) * ({ "": 1, s: 1, m: 60, h: 3600 }[m[2] as "" | "s" | "m" | "h"]);
}

/** Runs a script; resolves with its exit code (143 if stopped by SIGTERM while sleeping). */
export async function runScript(script: string, io: ScriptIO): Promise<number> {
  const vars = { ...io.env };
  let status = 0;
  for (const raw of parseScript(script)) {
    const words = raw.map((w) => expand(w, vars));
    const [cmd, ...args] = words;
    const assign = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(cmd === "export" ? (args[0] ?? "") : (cmd ?? ""));
    if (assign) {
      vars[assign[1]!] = assign[2]!;
      status = 0;
      continue;
    }
    switch (cmd) {
      case "echo": {
        const noNewline = args[0] === "-n";
        io.stdout((noNewline ? args.slice(1) : args).join(" ") + (noNewline ? "" : "\n"));
        status = 0;
        break;
      }
      case "sleep":
      case "busy": {
        const s = seconds(args[0]);
        if (Number.isNaN(s)) {
          io.stderr(`${cmd}: invalid time interval '${args[0] ?? ""}'\n`);
          status = 1;
          break;
        }
        if (cmd === "busy") io.busy(s * 1000);
        if (!(await io.sleep(s * 1000))) return 143;
        status = 0;
        break;
      }
      case "exit":
        return args[0] === undefined ? status : Number.parseInt(args[0], 10) & 255;
      case "fail-if-index":
        if (vars.JOB_COMPLETION_INDEX !== undefined && vars.JOB_COMPLETION_INDEX === args[0]) {
          io.stderr(`fail-if-index: index ${args[0]} fails\n`);
          return 1;
        }
        status = 0;
        break;
      case "true":
      case ":":
        status = 0;
        break;
      case "false":
        status = 1;
        break;
      default:
        io.stderr(`sim: ${cmd}: not supported by the simulator's script language, ignored\n`);
        status = 0;
    }
  }
  return status;
}
