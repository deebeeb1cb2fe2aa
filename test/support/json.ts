// Parsed JSON as the tests read it: what JSON.parse gives, untyped on purpose. Tests assert on its
// shape, so a wrong shape fails the assertion (the no-unsafe-* rules are off under test/ for this).
export type ParsedJson = ReturnType<typeof JSON.parse>;
