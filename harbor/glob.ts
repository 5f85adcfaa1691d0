// Harbor's tag and repository selectors are doublestar globs (src/lib/selector/selectors/doublestar/selector.go calls
// github.com/bmatcuk/doublestar v1.3.4 Match): `*` within a path segment, `**` across segments, `?`, `[abc]`,
// `[^abc]`, `{a,b}`, `\` escapes. One matcher for the provider and the policy pack, on picomatch configured to that
// grammar (no extglobs, no leading-`!` negation, dotfiles like any name). A pattern Harbor would refuse
// (harbor/selectors.ts patternProblem) matches nothing, here as in Harbor (doublestar's ErrBadPattern).
import picomatch from "picomatch";
import { patternProblem } from "./selectors";

const OPTIONS: picomatch.PicomatchOptions = { dot: true, nonegate: true, noextglob: true, strictBrackets: true };

/** A matcher for one selector pattern; never throws. */
export function doublestarMatcher(pattern: string): (value: string) => boolean {
    if (patternProblem(pattern) !== undefined) return () => false;
    // doublestar negates a class with `^` or `!`; picomatch reads `[!` only in some positions, so say `^`.
    const normalised = pattern.replace(/(^|[^\\])\[!/g, "$1[^");
    try {
        return picomatch(normalised, OPTIONS);
    } catch {
        return () => false;
    }
}

/** Does the doublestar `pattern` match `value` (a tag, or a repository name without its project)? */
export function globMatches(pattern: string, value: string): boolean {
    return doublestarMatcher(pattern)(value);
}
