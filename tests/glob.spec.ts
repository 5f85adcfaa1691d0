// One table of doublestar patterns for the provider's check (harbor/selectors.ts patternProblem) and the matcher the
// provider and the policy pack share (harbor/glob.ts): what Harbor accepts, and what each accepted pattern matches
// (Harbor: src/lib/selector/selectors/doublestar/selector.go, github.com/bmatcuk/doublestar v1.3.4 Match).
import { strict as assert } from "assert";
import { globMatches } from "../harbor/glob";
import { patternProblem } from "../harbor/selectors";
import { ruleProtects } from "../policy/harborContent";

/** [pattern, accepted by check, [value, matches][]] */
const TABLE: [string, boolean, [string, boolean][]][] = [
    ["v*", true, [["v1.2.3", true], ["1.2.3", false], ["v", true]]],
    ["**", true, [["team/app", true], ["latest", true]]],
    ["*", true, [["team/app", false], ["app", true], [".hidden", true]]],
    ["{v,}[0-9]*", true, [["1.0.0", true], ["v2.0.0", true], ["latest", false]]],
    ["release-?", true, [["release-1", true], ["release-10", false]]],
    ["a.b", true, [["aXb", false], ["a.b", true]]],
    ["[!0-9]*", true, [["v1", true], ["1v", false]]],
    ["[^0-9]*", true, [["v1", true], ["1v", false]]],
    ["v\\*", true, [["v*", true], ["v1", false]]],
    ["team/**", true, [["team/a/b", true], ["other/a", false]]],
    ["!latest", true, [["!latest", true], ["v1", false]]],
    ["+(a)", true, [["+(a)", true], ["a", false]]],
    ["{a,b", false, [["{a,b", false], ["a", false]]],
    ["[abc", false, [["a", false]]],
    ["a,b", false, [["a", false], ["a,b", false]]],
    ["v\\", false, [["v\\", false]]],
];

describe("doublestar patterns: one table for check, the provider and the policy pack", () => {
    for (const [pattern, accepted, cases] of TABLE) {
        it(`${JSON.stringify(pattern)}: ${accepted ? "accepted" : "refused"} by check; matches as Harbor would`, () => {
            assert.equal(patternProblem(pattern) === undefined, accepted, patternProblem(pattern));
            for (const [value, want] of cases) assert.equal(globMatches(pattern, value), want, `${pattern} ~ ${JSON.stringify(value)}`);
        });
    }

    it("the immutable-release-tags policy reads escapes and bad patterns as Harbor does (no throw, no false protection)", () => {
        const rule = (tagPattern: string) => ({ disabled: false, tagPattern, tagDecoration: "matches", repoPattern: "**", repoDecoration: "repoMatches" });
        assert.equal(ruleProtects(rule("v\\*"), "v1.2.3"), false, "v\\* protects only the literal tag v*");
        assert.equal(ruleProtects(rule("{a,b"), "v1.2.3"), false);
        assert.equal(ruleProtects(rule("{v,}[0-9]*"), "v1.2.3"), true);
    });
});
