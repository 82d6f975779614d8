/** A suite's verdict: each check with its counts, PASS only if every check holds. */
export class Report {
  private readonly lines: string[] = [];
  private failures = 0;

  constructor(readonly suite: string) {}

  check(ok: boolean, what: string): void {
    if (!ok) this.failures++;
    this.lines.push(`  ${ok ? "ok  " : "FAIL"} ${what}`);
  }

  note(what: string): void {
    this.lines.push(`       ${what}`);
  }

  get passed(): boolean {
    return this.failures === 0;
  }

  print(): void {
    console.log(`${this.passed ? "PASS" : "FAIL"} ${this.suite}`);
    for (const line of this.lines) console.log(line);
  }
}
