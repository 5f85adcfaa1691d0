// Tag and repository selectors shared by retention rules and immutable tag rules (Harbor's doublestar selectors).
// Both selectors are always sent: a rule without a tag selector is accepted by the API but fails when it runs
// (Harbor's retention and immutability jobs skip it; terraform-provider-harbor issue #622).
import { Field, oneOfField, refined, stringField } from "./fields";
import { controlCharProblem } from "./provider";
import { input } from "./schema";

export const TAG_DECORATIONS = ["matches", "excludes"] as const;
export const REPO_DECORATIONS = ["repoMatches", "repoExcludes"] as const;
export type TagDecoration = (typeof TAG_DECORATIONS)[number];
export type RepoDecoration = (typeof REPO_DECORATIONS)[number];

export interface Selectors {
    /** doublestar pattern; several values as {a,b}. Default "**". */
    tagPattern: string;
    tagDecoration: TagDecoration;
    repoPattern: string;
    repoDecoration: RepoDecoration;
}

/** Wire form of one selector (ImmutableSelector / RetentionSelector). */
export interface ApiSelector {
    kind?: string;
    decoration?: string;
    pattern?: string;
    extras?: string;
}

export interface ApiSelectorRule {
    tag_selectors?: ApiSelector[] | null;
    scope_selectors?: { repository?: ApiSelector[] | null } | null;
}

export const SELECTOR_KEYS = ["tagPattern", "tagDecoration", "repoPattern", "repoDecoration"] as const;

/**
 * Why Harbor (doublestar) cannot use `p` as the user meant it, or undefined. Doublestar refuses unclosed `[` classes
 * and `{` alternatives (ErrBadPattern: the rule never matches, so retention keeps or deletes the wrong tags), and a
 * comma outside braces is a list the user meant as {a,b} (Harbor would match the literal comma). A `\` escapes the
 * next character; inside `[...]` everything up to the first unescaped `]` is the class.
 */
export function patternProblem(p: string): string | undefined {
    const control = controlCharProblem(p, true);
    if (control) return control;
    let depth = 0;
    for (let i = 0; i < p.length; i++) {
        const ch = p[i];
        if (ch === "\\") {
            if (i + 1 >= p.length) return "ends with a lone '\\' (escape what? use '\\\\' for a backslash)";
            i++;
        } else if (ch === "[") {
            const end = classEnd(p, i + 1);
            if (end < 0) return "has an unmatched '['";
            const body = p.slice(i + 1, end).replace(/^[!^]/, "");
            if (body === "") return `has an empty character class "${p.slice(i, end + 1)}"`;
            i = end;
        } else if (ch === "{") depth++;
        else if (ch === "}") {
            if (--depth < 0) return "has an unmatched '}'";
        } else if (ch === "," && depth === 0) return `several patterns must be written as {a,b}, e.g. "{${p}}"`;
    }
    if (depth !== 0) return "has an unmatched '{'";
    if (/\s/.test(p)) return "must not contain spaces";
    return undefined;
}

/** Index of the `]` closing a class whose body starts at `from` (escapes skipped), or -1. */
function classEnd(p: string, from: number): number {
    for (let i = from; i < p.length; i++) {
        if (p[i] === "\\") i++;
        else if (p[i] === "]") return i;
    }
    return -1;
}

/** A selector pattern: doublestar Harbor can use (patternProblem), default "**". */
export function selectorPatternField(): Field<string, "defaulted"> {
    return refined(stringField({ default: "**", minLength: 1 }), {
        problem: (v) => {
            const problem = patternProblem(v);
            return problem && `${JSON.stringify(v)} ${problem}`;
        },
        summary: "doublestar pattern (several as `{a,b}`)",
    });
}

/** The four selector fields (defaults: "**", matches, "**", repoMatches), for declarations and nested rules. */
export const SELECTOR_FIELDS = {
    tagPattern: selectorPatternField(),
    tagDecoration: oneOfField(TAG_DECORATIONS, { default: "matches" }),
    repoPattern: selectorPatternField(),
    repoDecoration: oneOfField(REPO_DECORATIONS, { default: "repoMatches" }),
};

/** The selector inputs of a declaration (ImmutableTagRule). */
export const SELECTOR_INPUTS = {
    tagPattern: input(SELECTOR_FIELDS.tagPattern, "Tags it applies to (doublestar; several as `{a,b}`); `tag_selectors[0].pattern`."),
    tagDecoration: input(SELECTOR_FIELDS.tagDecoration, "Whether matching tags are in (`matches`) or out (`excludes`)."),
    repoPattern: input(SELECTOR_FIELDS.repoPattern, "Repositories it applies to (doublestar); `scope_selectors.repository[0].pattern`."),
    repoDecoration: input(SELECTOR_FIELDS.repoDecoration, "Whether matching repositories are in (`repoMatches`) or out (`repoExcludes`)."),
};

/** Selectors → Harbor's tag_selectors / scope_selectors (both always present). */
export function selectorsToHarbor(s: Selectors, tagExtras?: string): Required<ApiSelectorRule> {
    return {
        tag_selectors: [{ kind: "doublestar", decoration: s.tagDecoration, pattern: s.tagPattern, ...(tagExtras !== undefined ? { extras: tagExtras } : {}) }],
        scope_selectors: { repository: [{ kind: "doublestar", decoration: s.repoDecoration, pattern: s.repoPattern }] },
    };
}

/** Harbor's selectors → the checked form (a missing selector reads as "" so it shows as drift, never as a default). */
export function selectorsFromHarbor(r: ApiSelectorRule): Selectors {
    const tag = r.tag_selectors?.[0];
    const repo = r.scope_selectors?.repository?.[0];
    return {
        tagPattern: tag?.pattern ?? "",
        tagDecoration: (tag?.decoration ?? "") as TagDecoration,
        repoPattern: repo?.pattern ?? "",
        repoDecoration: (repo?.decoration ?? "") as RepoDecoration,
    };
}
