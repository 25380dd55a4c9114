import { describe, expect, it } from "vitest";
import { fieldMessages } from "./form";
import { query } from "./pagedList";

describe("problem+json field errors", () => {
  it("names the field and each of its prefixes, first message wins", () => {
    const fields = fieldMessages({
      errors: [
        { field: "body.levels.0.actions.2.time_limit_min", message: "must be > 0" },
        { field: "levels.0.triggers", message: "required" },
        { field: "title", message: "too long" },
      ],
    });
    expect(fields["levels.0.actions.2.time_limit_min"]).toBe("must be > 0");
    expect(fields["levels.0"]).toBe("must be > 0");
    expect(fields["levels.0.triggers"]).toBe("required");
    expect(fields.title).toBe("too long");
  });

  it("copes with no problem at all", () => {
    expect(fieldMessages(null)).toEqual({});
  });
});

describe("list queries", () => {
  it("leaves out empty filters", () => {
    expect(query({ q: "", kind: "fire", org_id: 3, open: false, x: null })).toBe("?kind=fire&org_id=3&open=false");
    expect(query({})).toBe("");
  });
});
