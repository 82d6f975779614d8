import { describe, expect, it } from "vitest";
import { BatchSizer, maxBatch, minBatch } from "./batch-size";

const budgetMs = 250;

describe("a lane's batch size", () => {
  it("starts from a guess of 2 ms per item, then follows what full batches took", () => {
    const sizer = new BatchSizer(() => budgetMs);
    expect(sizer.size("messages")).toBe(125);
    // 1 ms per item: the estimate moves towards it, and the batch grows.
    sizer.record("messages", 125, 125);
    expect(sizer.size("messages")).toBe(147);
    for (let i = 0; i < 30; i++) sizer.record("messages", 200, 160);
    expect(sizer.size("messages")).toBe(312);
  });

  it("is not shrunk by a busy inbox's one-reply batches, so the backlog behind them still goes in large batches", () => {
    const sizer = new BatchSizer(() => budgetMs);
    for (let i = 0; i < 30; i++) sizer.record("messages", 250, 200);
    const before = sizer.size("messages");
    // Each reply alone: 15 ms, nearly all of it the transaction's own statements.
    for (let i = 0; i < 100; i++) sizer.record("messages", 1, 15);
    for (let i = 0; i < 100; i++) sizer.record("messages", minBatch - 1, 30);
    expect(sizer.size("messages")).toBe(before);
    expect(before).toBeGreaterThan(200);
  });

  it("learns from a batch of the minimum size, so a slow estimate can recover", () => {
    const sizer = new BatchSizer(() => budgetMs);
    for (let i = 0; i < 30; i++) sizer.record("messages", minBatch, minBatch * 50);
    expect(sizer.size("messages")).toBe(minBatch);
    for (let i = 0; i < 30; i++) sizer.record("messages", minBatch, minBatch * 0.25);
    expect(sizer.size("messages")).toBe(maxBatch);
  });

  it("keeps each lane's estimate apart: slow messages do not shrink the statuses' batches", () => {
    const sizer = new BatchSizer(() => budgetMs);
    for (let i = 0; i < 30; i++) sizer.record("messages", 100, 1000);
    for (let i = 0; i < 30; i++) sizer.record("statuses", 400, 100);
    expect(sizer.size("messages")).toBe(25);
    expect(sizer.size("statuses")).toBe(maxBatch);
    expect(sizer.size("fields")).toBe(125);
  });

  it("reads the budget at each call, so the embedded database's shorter one applies at once", () => {
    let budget = 250;
    const sizer = new BatchSizer(() => budget);
    sizer.record("statuses", 100, 100);
    expect(sizer.size("statuses")).toBe(147);
    budget = 100;
    expect(sizer.size("statuses")).toBe(58);
  });
});
