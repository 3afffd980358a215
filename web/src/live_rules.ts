// Supergrep's client-side rules for the live view: include (a line must match one of them, when
// there are any), exclude (a line matching one is hidden), highlight (matches marked in a
// colour). Kept in the URL as `rules`, a JSON list of {kind, pattern, color}.
import { Highlighter, compileRegex } from './log_render';

export type RuleKind = 'include' | 'exclude' | 'highlight';

export interface Rule {
  kind: RuleKind;
  pattern: string;
  color?: string;
}

export function parseRules(text: string | null): Rule[] {
  if (!text) return [];
  try {
    const list = JSON.parse(text);
    if (!Array.isArray(list)) return [];
    return list.filter((r) => r && ['include', 'exclude', 'highlight'].includes(r.kind) &&
                              typeof r.pattern === 'string' && r.pattern)
      .map((r) => ({ kind: r.kind, pattern: r.pattern,
                     ...(typeof r.color === 'string' ? { color: r.color } : {}) }));
  } catch {
    return [];
  }
}

export function encodeRules(rules: Rule[]): string | undefined {
  return rules.length ? JSON.stringify(rules) : undefined;
}

// The rules compiled once; a pattern the browser cannot compile matches nothing.
export class RuleSet {
  private readonly include: RegExp[] = [];
  private readonly exclude: RegExp[] = [];
  readonly highlighters: Highlighter[] = [];

  constructor(rules: Rule[]) {
    for (const r of rules) {
      const regex = compileRegex(r.pattern);
      if (!regex) continue;
      if (r.kind === 'include') this.include.push(regex);
      if (r.kind === 'exclude') this.exclude.push(regex);
      if (r.kind === 'highlight') this.highlighters.push({ regex, color: r.color ?? '#ffd33d' });
    }
  }

  shows(line: string): boolean {
    const test = (re: RegExp) => { re.lastIndex = 0; return re.test(line); };
    if (this.include.length && !this.include.some(test)) return false;
    return !this.exclude.some(test);
  }
}
