/** The golden helper never writes its own expectation: a missing golden file fails (also under CI=true). */
import { existsSync } from "node:fs";
import { goldenPath, readGolden } from "../helpers/golden.js";

const saved = { update: process.env.UPDATE_GOLDEN, ci: process.env.CI };
afterEach(() => {
  if (saved.update === undefined) delete process.env.UPDATE_GOLDEN;
  else process.env.UPDATE_GOLDEN = saved.update;
  if (saved.ci === undefined) delete process.env.CI;
  else process.env.CI = saved.ci;
});

test.each(["true", undefined])("a missing golden file throws and is not written (CI=%s)", (ci) => {
  delete process.env.UPDATE_GOLDEN;
  if (ci === undefined) delete process.env.CI;
  else process.env.CI = ci;
  const name = "no-such-dir/never-written.txt";
  expect(() => readGolden(name, "anything")).toThrow(/golden file test\/golden\/no-such-dir\/never-written\.txt is missing.*UPDATE_GOLDEN=1/);
  expect(existsSync(goldenPath(name))).toBe(false);
});

test("an existing golden file is returned as it is on disk", () => {
  delete process.env.UPDATE_GOLDEN;
  expect(readGolden("help/regcert.txt", "ignored")).toMatch(/^Usage: regcert/);
});
