import { strict as assert } from "assert";
import { fromHarborCron, harborScheduleType, normalizeSchedule, scheduleProblem, toHarborCron } from "../../harbor/cron";

describe("harbor/cron", () => {
    const valid: [string, string][] = [
        ["", ""],
        ["   ", ""],
        ["hourly", "0 0 * * * *"],
        ["daily", "0 0 0 * * *"],
        ["Weekly", "0 0 0 * * 0"],
        ["30 2 * * *", "0 30 2 * * *"],
        ["  0   4  * *  1-5 ", "0 0 4 * * 1-5"],
        ["*/15 * * * *", "0 */15 * * * *"],
        ["0 0 1,15 * ?", "0 0 0 1,15 * ?"],
        ["0 3 ? JAN-MAR sun", "0 0 3 ? JAN-MAR sun"],
        ["5-55/10 0-23/2 1-31 1-12 0-6", "0 5-55/10 0-23/2 1-31 1-12 0-6"],
        ["0 2 * * WED", "0 0 2 * * WED"],
        // robfig/cron v3 reads "?" as "*" in any field (Harbor: src/common/utils/utils.go CronParser).
        ["? * * * *", "0 ? * * * *"],
    ];
    for (const [input, harbor] of valid) {
        it(`accepts ${JSON.stringify(input)} -> ${JSON.stringify(harbor)}`, () => {
            assert.equal(scheduleProblem(input), undefined);
            assert.equal(toHarborCron(input), harbor);
        });
    }

    const invalid: [unknown, RegExp][] = [
        ["0 0 0 * * *", /must be a 5-field cron .* it has 6 fields \(write 5 fields; the seconds field Harbor needs is added for you\)/],
        ["* * *", /it has 3 fields/],
        ["nightly", /one of hourly, daily, weekly/],
        ["60 * * * *", /minute "60": .*0-59/],
        ["0 24 * * *", /hour "24": .*0-23/],
        ["0 0 0 * *", /day-of-month "0": .*1-31/],
        ["0 0 * 13 *", /month "13": .*1-12/],
        ["0 0 * * 7", /day-of-week value 7 is out of range 0-6/],
        ["0 0 * * FUN", /day-of-week "FUN": .*fun/i],
        ["*/0 * * * *", /minute "\*\/0"/],
        ["10-5 * * * *", /minute "10-5": .*range/i],
        ["1,,2 * * * *", /minute "1,,2"/],
        ["1/2/3 * * * *", /minute "1\/2\/3"/],
        // Extensions of other cron dialects that Harbor's parser (robfig/cron v3) refuses.
        ["0 0 L * *", /day-of-month "L" uses L, W, H or #/],
        ["0 0 15W * *", /day-of-month "15W" uses L, W, H or #/],
        ["0 0 * * 1#2", /day-of-week "1#2" uses L, W, H or #/],
        ["H 0 * * *", /minute "H" uses L, W, H or #/],
        [42, /must be a string/],
    ];
    for (const [input, reason] of invalid) {
        it(`rejects ${JSON.stringify(input)} with a clear reason`, () => {
            const problem = scheduleProblem(input);
            assert.ok(problem, "expected a problem");
            assert.match(problem!, reason);
            if (typeof input === "string") assert.throws(() => toHarborCron(input), /invalid schedule/);
        });
    }

    it("maps schedules to Harbor schedule types", () => {
        assert.deepEqual(["", "hourly", "DAILY", "weekly", "5 4 * * *"].map(harborScheduleType), ["None", "Hourly", "Daily", "Weekly", "Custom"]);
    });

    it("normalises spacing and preset case", () => {
        assert.equal(normalizeSchedule(" Daily "), "daily");
        assert.equal(normalizeSchedule("1  2 * * *"), "1 2 * * *");
    });

    describe("reading back", () => {
        const cases: [string, string | undefined, string][] = [
            ["0 0 0 * * *", "daily", "daily"],
            ["0 0 0 * * *", "Daily", "Daily"], // same schedule: the user's spelling is kept, so no diff
            ["0 0 0 * * *", undefined, "daily"],
            ["0 0 0 * * *", "0 0 * * *", "0 0 * * *"],
            ["0 30 2 * * *", "daily", "30 2 * * *"], // drift: shown in the user's 5-field form
            ["15 30 2 * * *", "30 2 * * *", "15 30 2 * * *"], // seconds set outside Pulumi: raw, so the drift is visible
            ["", "daily", ""],
            ["", "", ""],
        ];
        for (const [cron, previous, expected] of cases) {
            it(`${JSON.stringify(cron)} with previous ${JSON.stringify(previous)} -> ${JSON.stringify(expected)}`, () => {
                assert.equal(fromHarborCron(cron, previous), expected);
            });
        }
        it("treats a missing cron as none", () => {
            assert.equal(fromHarborCron(undefined, "daily"), "");
            assert.equal(fromHarborCron(null), "");
        });
    });
});
