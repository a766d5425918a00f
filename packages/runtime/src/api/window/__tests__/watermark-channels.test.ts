import { WatermarkTracker } from '../watermark.js';

// Processing time moves only with tick(); every case is exact to the millisecond.
describe('watermark over the expected input channels (upstream task × stream)', () => {
  const inputs = [{ stream: 'default', tasks: [5, 6] }];

  it('holds until every upstream task has sent: the first one alone does not move it', () => {
    const wm = new WatermarkTracker(2000, 5000, inputs);
    wm.observe(5, 'default', 100_000);
    wm.tick(500);
    expect(wm.current()).toBe(-Infinity);
    // Task 6's early tuple is not behind a watermark the first task set alone.
    wm.observe(6, 'default', 10_000);
    wm.tick(500);
    expect(wm.current()).toBe(8000);
    wm.observe(6, 'default', 101_000);
    expect(wm.current()).toBe(98_000);
  });

  it('streams count apart: a task heard on one stream still holds the watermark on another', () => {
    const wm = new WatermarkTracker(0, 5000, [{ stream: 'default', tasks: [5] }, { stream: 'other', tasks: [5] }]);
    wm.observe(5, 'default', 100);
    expect(wm.current()).toBe(-Infinity);
    wm.observe(5, 'other', 50);
    expect(wm.current()).toBe(50);
  });

  it('a task that never sends stops holding after idleInputMs of ticks, once the others moved on', () => {
    const wm = new WatermarkTracker(0, 1000, inputs);
    wm.observe(5, 'default', 100);
    wm.tick(100); // task 6 is behind from here (t = 100)
    wm.observe(5, 'default', 200);
    for (let t = 200; t < 1100; t += 100) {
      wm.tick(100);
      expect(wm.current()).toBe(-Infinity);
    }
    wm.tick(100); // t = 1100: 1000 ms behind and silent
    expect(wm.idleCount()).toBe(1);
    expect(wm.current()).toBe(200);
  });

  it('no task is left out while the whole input pauses (the newest timestamp did not move)', () => {
    const wm = new WatermarkTracker(0, 1000, inputs);
    wm.observe(5, 'default', 100);
    wm.observe(6, 'default', 90);
    for (let i = 0; i < 50; i++) wm.tick(100);
    expect(wm.idleCount()).toBe(0);
    expect(wm.current()).toBe(90);
  });

  it('a pause longer than idleInputMs does not count as silence: when the input resumes, the task behind gets idleInputMs again', () => {
    const wm = new WatermarkTracker(0, 1000, inputs);
    wm.observe(5, 'default', 100);
    wm.observe(6, 'default', 90);
    for (let i = 0; i < 50; i++) wm.tick(100);
    // Task 5 resumes first; task 6's next tuple (95) is behind task 5's but must not be late.
    wm.observe(5, 'default', 200);
    wm.tick(100);
    expect(wm.idleCount()).toBe(0);
    expect(wm.current()).toBe(90);
    wm.observe(6, 'default', 95);
    expect(wm.current()).toBe(95);
  });

  it('a task that never sends turns idle idleInputMs after the first tuple even if the input stopped (a short input still fires its windows)', () => {
    const wm = new WatermarkTracker(0, 1000, inputs);
    wm.observe(5, 'default', 100);
    for (let i = 0; i < 10; i++) {
      expect(wm.current()).toBe(-Infinity);
      wm.tick(100);
    }
    wm.tick(100);
    expect(wm.idleCount()).toBe(1);
    expect(wm.current()).toBe(100);
  });

  it('a slow task that keeps sending is never idle: it holds the watermark back', () => {
    const wm = new WatermarkTracker(0, 1000, inputs);
    for (let i = 1; i <= 50; i++) {
      wm.observe(5, 'default', i * 1000);
      wm.observe(6, 'default', i * 10);
      wm.tick(100);
    }
    expect(wm.idleCount()).toBe(0);
    expect(wm.current()).toBe(500);
  });

  it('an idle task that sends again counts again (the window state never moves back: it keeps its maximum)', () => {
    const wm = new WatermarkTracker(0, 200, inputs);
    wm.observe(5, 'default', 100);
    wm.tick(100);
    wm.observe(5, 'default', 300);
    wm.tick(100);
    wm.tick(100);
    expect(wm.current()).toBe(300);
    wm.observe(6, 'default', 250);
    expect(wm.idleCount()).toBe(0);
    expect(wm.current()).toBe(250);
  });

  it('a channel nobody declared counts from its first tuple (executors given no sources)', () => {
    const wm = new WatermarkTracker(0, 1000, []);
    wm.observe(9, 'default', 40);
    expect(wm.current()).toBe(40);
    expect(wm.newest()).toBe(40);
  });
});
