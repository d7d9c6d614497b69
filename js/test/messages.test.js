// The message types are one table, nbviz/widgets/messages.json, read by Python and bundled
// into the views: the JS constants must be its values, one constant per entry.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as messages from "../src/lib/messages.js";

const table = JSON.parse(readFileSync(new URL("../../nbviz/widgets/messages.json", import.meta.url), "utf8"));
const entries = Object.entries(table).filter(([name]) => name !== "_doc");

describe("message types", () => {
  it("each JS constant is the JSON's value under its lower-case name", () => {
    for (const [constant, value] of Object.entries(messages)) {
      expect(table[constant.toLowerCase()], constant).toBe(value);
    }
  });

  it("every message in the JSON has its constant", () => {
    const exported = new Set(Object.values(messages));
    for (const [name, value] of entries) expect(exported.has(value), name).toBe(true);
    expect(Object.keys(messages).length).toBe(entries.length);
  });
});
