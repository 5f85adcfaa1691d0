// Tag and repository selectors shared by retention rules and immutable tag rules (Harbor's doublestar selectors).
// Both selectors are always sent: a rule without a tag selector is accepted by the API but fails when it runs
// (../shared/notes/harbor-api.md §3.4, TF issue #622).
import { InputChecker, isUnknown } from "./provider";

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

/** A comma outside braces is a list the user meant as {a,b} (Harbor would match the literal comma). */
export function patternProblem(p: string): string | undefined {
    let depth = 0;
    for (const ch of p) {
        if (ch === "{") depth++;
        else if (ch === "}") depth--;
        else if (ch === "," && depth === 0) return `several patterns must be written as {a,b}, e.g. "{${p}}"`;
        if (depth < 0) return "has an unmatched '}'";
    }
    if (depth !== 0) return "has an unmatched '{'";
    if (/\s/.test(p)) return "must not contain spaces";
    return undefined;
}

/** Read the four selector inputs (defaults: "**", matches, "**", repoMatches). */
export function checkSelectors(c: InputChecker): Selectors {
    const pattern = (prop: string) => {
        const v = c.string(prop, { default: "**", minLength: 1 })!;
        const problem = typeof v === "string" && !isUnknown(v) && v ? patternProblem(v) : undefined;
        if (problem) c.fail(prop, `${prop} "${v}" ${problem}`);
        return v;
    };
    return {
        tagPattern: pattern("tagPattern"),
        tagDecoration: c.oneOf("tagDecoration", TAG_DECORATIONS, { default: "matches" })!,
        repoPattern: pattern("repoPattern"),
        repoDecoration: c.oneOf("repoDecoration", REPO_DECORATIONS, { default: "repoMatches" })!,
    };
}

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
