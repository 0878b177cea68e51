// The checks for writing a stranger's tar to disk: every way a name or a link can reach outside the target.
import { describe, expect, it } from "vitest";
import { entryGuard, safePath } from "../src/safe-path.js";
import type { EntryHeader } from "../src/tar-entry.js";

function entry(path: string, type: EntryHeader["type"] = "file", extra: Partial<EntryHeader> = {}): EntryHeader {
  return { path, type, size: 0, mode: 0o644, uid: 0, gid: 0, mtime: 0, ...extra };
}

describe("safePath", () => {
  it("accepts relative names, dropping a leading ./ and a trailing /", () => {
    expect(safePath("a/b.txt")).toBe("a/b.txt");
    expect(safePath("./a/b/")).toBe("a/b");
    expect(safePath("..a/b..")).toBe("..a/b..");
    expect(safePath("日本/ü")).toBe("日本/ü");
  });

  it.each([
    ["", "empty"],
    ["/etc/passwd", "absolute"],
    ["C:evil", "absolute (drive)"],
    ["c:\\x", "drive and backslash"],
    ["a\\..\\b", "backslash"],
    ["../x", ".."],
    ["a/../../x", ".. inside"],
    ["a/./b", ". component"],
    ["a//b", "empty component"],
    ["a\u0000b", "NUL"],
    ["a\nb", "newline"],
    ["a\u001bb", "escape"],
    ["a\u007f", "DEL"],
    [".", "the directory itself"],
  ])("refuses %j (%s)", (name) => {
    expect(() => safePath(name)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });
});

describe("entryGuard", () => {
  const refuses = (guard: ReturnType<typeof entryGuard>, e: EntryHeader) =>
    expect(() => guard(e)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));

  it("names that differ only by case (or Unicode normalization) are refused, unless the target tells them apart", () => {
    const guard = entryGuard();
    guard(entry("Readme.md"));
    refuses(guard, entry("README.md"));
    guard(entry("caf\u00e9"));
    refuses(guard, entry("cafe\u0301")); // the same name, decomposed (macOS writes this form)
    guard(entry("Dir/x"));
    refuses(guard, entry("dir/y")); // the parent too
    const sensitive = entryGuard({ caseSensitive: true });
    sensitive(entry("Readme.md"));
    expect(sensitive(entry("README.md")).path).toBe("README.md");
  });

  it("a name twice is refused, except a directory repeated", () => {
    const guard = entryGuard();
    guard(entry("f"));
    refuses(guard, entry("f"));
    guard(entry("d", "directory"));
    expect(guard(entry("d", "directory", { mode: 0o750 })).mode).toBe(0o750);
    guard(entry("p/q"));
    expect(guard(entry("p", "directory")).path).toBe("p"); // an implicit parent, then its own entry: fine
    refuses(guard, entry("p/q", "directory"));
  });

  it("nothing through a symlink or inside a file; no file where earlier entries made a directory", () => {
    const guard = entryGuard();
    guard(entry("link", "symlink", { linkTarget: "real" }));
    refuses(guard, entry("link/x")); // would write through the link
    refuses(guard, entry("LINK/x"));
    guard(entry("file"));
    refuses(guard, entry("file/x"));
    guard(entry("dir/a"));
    refuses(guard, entry("dir", "symlink", { linkTarget: "/etc" }));
    refuses(guard, entry("dir"));
  });

  it("symlinks: relative and inside only, and never through another symlink", () => {
    const guard = entryGuard();
    expect(guard(entry("a/b/l", "symlink", { linkTarget: "../../f" })).linkTarget).toBe("../../f");
    refuses(guard, entry("a/b/out", "symlink", { linkTarget: "../../../f" }));
    refuses(guard, entry("abs", "symlink", { linkTarget: "/etc/passwd" }));
    refuses(guard, entry("win", "symlink", { linkTarget: "C:/x" }));
    refuses(guard, entry("bs", "symlink", { linkTarget: "..\\..\\x" }));
    refuses(guard, entry("empty", "symlink", { linkTarget: "" }));
    guard(entry("s", "symlink", { linkTarget: "." }));
    refuses(guard, entry("t", "symlink", { linkTarget: "s/../x" })); // s is the root: s/.. is outside
    const later = entryGuard();
    later(entry("t", "symlink", { linkTarget: "s/../x" })); // lexically inside...
    refuses(later, entry("s", "symlink", { linkTarget: "." })); // ...until s turns out to be a symlink
  });

  it("hard links: only to an earlier regular file, by a safe name", () => {
    const guard = entryGuard();
    guard(entry("f"));
    guard(entry("d", "directory"));
    guard(entry("s", "symlink", { linkTarget: "f" }));
    expect(guard(entry("h", "link", { linkTarget: "./f" })).linkTarget).toBe("f");
    refuses(guard, entry("h2", "link", { linkTarget: "d" }));
    refuses(guard, entry("h3", "link", { linkTarget: "s" }));
    refuses(guard, entry("h4", "link", { linkTarget: "later" }));
    refuses(guard, entry("h5", "link", { linkTarget: "/etc/shadow" }));
    refuses(guard, entry("h6", "link", { linkTarget: "../f" }));
  });

  it("device files and FIFOs are refused; setuid, setgid and sticky bits are dropped", () => {
    const guard = entryGuard();
    for (const type of ["char", "block", "fifo"] as const) refuses(guard, entry(`dev-${type}`, type));
    expect(guard(entry("suid", "file", { mode: 0o4755 })).mode).toBe(0o755);
    expect(guard(entry("sgid", "file", { mode: 0o2711 })).mode).toBe(0o711);
    expect(guard(entry("sticky", "directory", { mode: 0o1777 })).mode).toBe(0o777);
    expect(guard(entry("locked", "directory", { mode: 0 })).mode).toBe(0o700); // the owner can still fill it
  });
});
