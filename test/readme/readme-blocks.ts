/**
 * The README's code blocks, read by rule:
 * - every shell block (```sh, ```bash, ```shell) under "## Calling the API" runs, and so does any other shell block
 *   that calls `$GATEWAY`;
 * - any other shell block is skipped as not an API call (npm start, the importer, a PostgreSQL URL …), unless it looks
 *   like a call to the gateway that does not go through `$GATEWAY` (curl, wget, /graphql, /healthz, port 4000): that is
 *   an error, so a new example cannot escape the test by being written outside the section or against a fixed URL;
 * - blocks in other languages are not shell: a ```json block right after a running block is the answer of that
 *   block's last command, every other one is listed as skipped (and may not hold a curl or $GATEWAY call either).
 *
 * Inside a running block, commands are split the way bash reads them (a line continues while a quote is open or it
 * ends in a backslash). Comment lines whose text starts with `{` or `[` are the answer of the command before them and
 * continue over the comment lines that follow; other comment lines are prose.
 */
export const API_SECTION = 'Calling the API';

export interface ReadmeAnswer {
  /** the answer as shown, line breaks and indentation removed */
  text: string;
  line: number;
}

export interface ReadmeStep {
  command: string;
  /** 1-based line in README.md where the command starts */
  line: number;
  answer: ReadmeAnswer | null;
}

export interface ReadmeBlock {
  line: number;
  lang: string;
  /** the headings above the block, e.g. "Calling the API › Department: a licensing officer, with a purpose" */
  section: string;
  body: string[];
}

export interface RunBlock extends ReadmeBlock {
  steps: ReadmeStep[];
}

export interface SkippedBlock extends ReadmeBlock {
  reason: string;
}

export interface ReadmePlan {
  run: RunBlock[];
  skipped: SkippedBlock[];
}

const SHELL_LANGS = new Set(['sh', 'bash', 'shell']);
/** What a call to the gateway that bypasses $GATEWAY looks like. */
const GATEWAY_CALL = /\bcurl\b|\bwget\b|\/graphql\b|\/healthz\b|:4000\b/;

/** Every fenced block with the headings above it. */
export function fencedBlocks(markdown: string): (ReadmeBlock & { endLine: number; h2: string })[] {
  const lines = markdown.split('\n');
  const blocks: (ReadmeBlock & { endLine: number; h2: string })[] = [];
  let h2 = '';
  let h3 = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heading = /^(#{2,3}) (.*)$/.exec(line);
    if (heading) {
      if (heading[1] === '##') [h2, h3] = [heading[2]!.trim(), ''];
      else h3 = heading[2]!.trim();
      continue;
    }
    const fence = /^```(\S*)\s*$/.exec(line);
    if (!fence) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`README.md:${start + 1}: a fenced block is never closed`);
    blocks.push({ line: start + 1, endLine: i + 1, lang: fence[1] ?? '', section: h3 ? `${h2} › ${h3}` : h2, h2, body });
  }
  return blocks;
}

/** Where bash would end a command: quotes closed, no trailing backslash. Returns the open quote state. */
function scanLine(line: string, open: '' | "'" | '"'): { open: '' | "'" | '"'; continues: boolean } {
  let quote = open;
  let escaped = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = '';
      continue;
    }
    if (escaped) {
      escaped = false;
      continue;
    }
    if (c === '\\') {
      escaped = true;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = '';
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) break; // a comment to the end of the line
  }
  return { open: quote, continues: quote !== '' || escaped };
}

const commentText = (line: string): string | null => {
  const match = /^\s*#(.*)$/.exec(line);
  return match ? match[1]!.trim() : null;
};

/** A running block's commands and the answers shown after them. */
export function stepsOf(block: ReadmeBlock): ReadmeStep[] {
  const steps: ReadmeStep[] = [];
  let command: string[] = [];
  let commandLine = 0;
  let open: '' | "'" | '"' = '';
  let answer: { lines: string[]; line: number } | null = null;
  const where = (offset: number) => `README.md:${block.line + 1 + offset}`;
  const closeAnswer = () => {
    if (!answer) return;
    const last = steps[steps.length - 1];
    if (!last) throw new Error(`${where(answer.line)}: an answer is shown with no command before it in the same block`);
    if (last.answer) throw new Error(`${where(answer.line)}: a second answer for the command of line ${last.line}`);
    last.answer = { text: answer.lines.join(''), line: block.line + 1 + answer.line };
    answer = null;
  };
  block.body.forEach((line, offset) => {
    if (command.length === 0) {
      const comment = commentText(line);
      if (comment !== null) {
        if (answer) answer.lines.push(comment);
        else if (/^[{[]/.test(comment)) answer = { lines: [comment], line: offset };
        return;
      }
      closeAnswer();
      if (line.trim() === '') return;
      commandLine = block.line + 1 + offset;
    }
    command.push(line);
    const scanned = scanLine(line, open);
    open = scanned.open;
    if (!scanned.continues) {
      steps.push({ command: command.join('\n'), line: commandLine, answer: null });
      command = [];
    }
  });
  if (command.length > 0) throw new Error(`${where(block.body.length)}: the block ends inside a command (an open quote or a trailing backslash)`);
  closeAnswer();
  return steps;
}

/** The first word of each command, after any leading VAR=value assignments. */
function commandWords(block: ReadmeBlock): string[] {
  try {
    return stepsOf(block).map((step) => step.command.trim().replace(/^(\w+=\S*\s+)+/, '').split(/\s+/)[0] ?? '');
  } catch {
    return ['not a runnable script']; // a skipped block need not be one
  }
}

/** Which blocks the test runs and which it skips, and why; throws on a block that calls the gateway some other way. */
export function planReadme(markdown: string): ReadmePlan {
  const plan: ReadmePlan = { run: [], skipped: [] };
  let previous: { block: RunBlock; endLine: number } | null = null;
  for (const { endLine, h2, ...block } of fencedBlocks(markdown)) {
    const text = block.body.join('\n');
    const shell = SHELL_LANGS.has(block.lang);
    if (shell && (h2 === API_SECTION || text.includes('$GATEWAY'))) {
      const run: RunBlock = { ...block, steps: stepsOf(block) };
      plan.run.push(run);
      previous = { block: run, endLine };
      continue;
    }
    if (block.lang === 'json' && previous && previous.endLine === block.line - 1) {
      const last = previous.block.steps[previous.block.steps.length - 1];
      if (!last) throw new Error(`README.md:${block.line}: a JSON answer after a block without commands`);
      if (last.answer) throw new Error(`README.md:${block.line}: a JSON answer for a command that already shows one (line ${last.line})`);
      last.answer = { text: block.body.map((l) => l.trim()).join(''), line: block.line + 1 };
      previous = null;
      continue;
    }
    previous = null;
    if (text.includes('$GATEWAY') || /\bcurl\b/.test(text) || (shell && GATEWAY_CALL.test(text))) {
      throw new Error(`README.md:${block.line}: this block calls the gateway but the README test would not run it — make it a \`\`\`sh block that calls $GATEWAY`);
    }
    if (!shell) {
      plan.skipped.push({ ...block, reason: `not shell (${block.lang || 'plain'} block)` });
      continue;
    }
    plan.skipped.push({ ...block, reason: `not an API call (${[...new Set(commandWords(block))].join(', ')})` });
  }
  return plan;
}
