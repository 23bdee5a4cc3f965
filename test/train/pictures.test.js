// Pictures: PNGs are decoded here by hand (signature, chunk CRCs, IHDR fields, IDAT inflated back, filter bytes) and
// their pixels compared with the tiles given; the SVG curve parses as well-formed XML-ish markup, has its axes,
// ticks, labels and one polyline per series through the points given; metrics.jsonl turns into those series.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { inflateSync, crc32 } from 'node:zlib';
import { encodePng, imageGrid, reconstructionGrid } from '../../dist/src/train/png.js';
import { lossCurveSvg, metricsSeries, writeLossCurve, niceTicks } from '../../dist/src/train/plot.js';
import { assertThrows } from '../helpers.js';

const s = suite('train: pictures');
const dir = mkdtempSync(join(tmpdir(), 'semigen-pic-'));
s.after(() => rmSync(dir, { recursive: true, force: true }));

/** A minimal PNG decoder for 8-bit grayscale, filter 0 files: checks everything it reads. */
function decodePng(bytes) {
  assert.equal([...bytes.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'PNG signature');
  const chunks = [];
  for (let at = 8; at < bytes.length;) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const data = bytes.subarray(at + 8, at + 8 + length);
    assert.is(bytes.readUInt32BE(at + 8 + length), crc32(bytes.subarray(at + 4, at + 8 + length)) >>> 0, `${type} CRC`);
    chunks.push({ type, data });
    at += 12 + length;
  }
  assert.equal(chunks.map((c) => c.type), ['IHDR', 'IDAT', 'IEND']);
  const ihdr = chunks[0].data;
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  assert.equal([...ihdr.subarray(8)], [8, 0, 0, 0, 0], 'bit depth 8, grayscale, deflate, filter 0, no interlace');
  const raw = inflateSync(chunks[1].data);
  assert.is(raw.length, (width + 1) * height);
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    assert.is(raw[y * (width + 1)], 0, 'filter type None');
    pixels.set(raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1)), y * width);
  }
  return { width, height, pixels };
}

s('encodePng round-trips pixels through a hand decoder', () => {
  const pixels = Uint8Array.from({ length: 7 * 3 }, (_, i) => (i * 37) % 256);
  const png = decodePng(encodePng(pixels, 7, 3));
  assert.equal([png.width, png.height], [7, 3]);
  assert.equal([...png.pixels], [...pixels]);
  assertThrows(() => encodePng(new Uint8Array(5), 2, 3), /png: a 2 x 3 image needs 6 bytes of pixels, got 5/);
  assertThrows(() => encodePng(new Uint8Array(0), 0, 0), /positive integers/);
});

s('imageGrid places each image in its cell, scaled to 0..255 and clamped, gray padding between', () => {
  const [w, h, count, columns, pad] = [3, 2, 5, 3, 1];
  const images = Float32Array.from({ length: count * w * h }, (_, i) => (i % 7) / 6);
  images[0] = -3; // clamps to 0
  images[1] = 9; // clamps to 255
  images[2] = NaN; // paints black
  const png = decodePng(imageGrid(images, count, w, h, columns, pad));
  assert.equal([png.width, png.height], [columns * w + (columns + 1) * pad, 2 * h + 3 * pad]);
  const at = (x, y) => png.pixels[y * png.width + x];
  for (let i = 0; i < count; i++) {
    const left = pad + (i % columns) * (w + pad);
    const top = pad + Math.floor(i / columns) * (h + pad);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = images[i * w * h + y * w + x];
        const expected = Number.isNaN(v) ? 0 : Math.round(Math.min(1, Math.max(0, v)) * 255);
        assert.is(at(left + x, top + y), expected, `image ${i} (${x}, ${y})`);
      }
    }
  }
  assert.is(at(0, 0), 128, 'padding');
  assert.is(at(png.width - 1, png.height - 1), 128, 'the empty sixth cell');
  const defaults = decodePng(imageGrid(new Float32Array(10 * 784).fill(0.5), 10));
  assert.equal([defaults.width, defaults.height], [4 * 28 + 5 * 2, 3 * 28 + 4 * 2], '28x28, ceil(sqrt(n)) columns, padding 2');
});

s('reconstructionGrid puts each row of originals above its reconstructions', () => {
  const [w, h, count, columns, pad] = [2, 2, 5, 3, 0];
  const originals = new Float32Array(count * 4).fill(1);
  const recon = new Float32Array(count * 4).fill(0.2);
  const png = decodePng(reconstructionGrid(originals, recon, count, w, h, columns, pad));
  assert.equal([png.width, png.height], [6, 8]);
  const row = (y) => [...png.pixels.subarray(y * 6, y * 6 + 6)];
  assert.equal(row(0), [255, 255, 255, 255, 255, 255], 'originals 0..2');
  assert.equal(row(2), [51, 51, 51, 51, 51, 51], 'their reconstructions');
  assert.equal(row(4), [255, 255, 255, 255, 128, 128], 'originals 3..4, then an empty cell');
  assert.equal(row(7), [51, 51, 51, 51, 128, 128], 'reconstructions 3..4');
  assertThrows(() => reconstructionGrid(originals, recon.subarray(1), count, w, h), /reconstructionGrid: 5 images of 2 x 2 need 20 values, got 19/);
  assertThrows(() => imageGrid(originals, 2, 2, 2, 0), /columns must be a positive integer, got 0/);
  assertThrows(() => imageGrid([1, 2], 1, 1, 1), /Float32Array/);
});

/** Checks tags balance (XML-ish): every open tag is closed in order, attributes are quoted. */
function parseXmlish(text) {
  const stack = [];
  const tags = [];
  for (const m of text.matchAll(/<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    const [, close, name, attrs, selfClose] = m;
    if (close) assert.is(stack.pop(), name, `</${name}> closes the open tag`);
    else {
      tags.push({ name, attrs: Object.fromEntries([...attrs.matchAll(/([\w:-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]])) });
      if (!selfClose) stack.push(name);
    }
  }
  assert.equal(stack, [], 'every tag is closed');
  const stripped = text.replace(/<[^>]*>/g, '');
  assert.not.match(stripped, /[<>]/, 'no stray angle brackets');
  assert.not.match(stripped, /&(?!lt;|gt;|amp;|quot;|apos;)/, 'entities escaped');
  return tags;
}

s('lossCurveSvg: axes, nice ticks with labels, one polyline per series through its points', () => {
  const series = [
    { name: 'loss', points: [[0, 10], [50, 4], [100, 2]] },
    { name: 'test <&> loss', points: [[100, 3], [NaN, 1]] },
  ];
  const svg = lossCurveSvg(series, { width: 500, height: 300, title: 'run "a"', xLabel: 'step', yLabel: 'nats' });
  const tags = parseXmlish(svg);
  assert.is(tags[0].name, 'svg');
  const lines = tags.filter((t) => t.name === 'polyline');
  assert.is(lines.length, 2);
  assert.equal(lines.map((l) => l.attrs['data-name']), ['loss', 'test &lt;&amp;&gt; loss']);
  const pts = lines[0].attrs.points.split(' ').map((p) => p.split(',').map(Number));
  assert.is(pts.length, 3);
  // x grows with step, y shrinks (SVG y points down) as the loss falls; the extremes sit on the plot's edges
  assert.ok(pts[0][0] < pts[1][0] && pts[1][0] < pts[2][0]);
  assert.ok(pts[0][1] < pts[1][1] && pts[1][1] < pts[2][1]);
  assert.is(pts[0][0], 70);
  assert.is(pts[2][0], 480);
  assert.is(lines[1].attrs.points.split(' ').length, 1, 'the NaN point is left out');
  const text = svg.replace(/<[^>]*>/g, ' ');
  for (const label of ['0', '20', '40', '60', '80', '100', '2', '4', '6', '8', '10', 'step', 'nats', 'run &quot;a&quot;']) {
    assert.ok(text.split(/\s+/).includes(label) || text.includes(label), `label ${label}`);
  }
  assertThrows(() => lossCurveSvg([]), /at least one series/);
  assertThrows(() => lossCurveSvg([{ name: 'x', points: [[NaN, 1]] }]), /no finite points/);
});

s('niceTicks picks 1/2/5 steps covering the range', () => {
  assert.equal(niceTicks(0, 100), [0, 20, 40, 60, 80, 100]);
  assert.equal(niceTicks(238.2, 241.9), [238.5, 239, 239.5, 240, 240.5, 241, 241.5]);
  assert.equal(niceTicks(-1, 1, 4), [-1, -0.5, 0, 0.5, 1]);
});

s('metrics.jsonl becomes training series (log lines) and test series (epoch lines), written as SVG', () => {
  const records = [
    { kind: 'log', step: 2, epoch: 1, loss: 5, samples_per_s: 100, rss_mb: 50, wall_s: 1 },
    { kind: 'log', step: 4, epoch: 1, loss: 4, samples_per_s: 100, rss_mb: 50, wall_s: 1 },
    { kind: 'epoch', step: 4, epoch: 1, loss: 4.5, test_loss: 4.2, samples_per_s: 100, rss_mb: 50, wall_s: 1 },
    { kind: 'log', step: 6, epoch: 2, loss: 3, samples_per_s: 100, rss_mb: 50, wall_s: 1 },
    { kind: 'epoch', step: 8, epoch: 2, loss: 3, test_loss: 3.1, samples_per_s: 100, rss_mb: 50, wall_s: 1 },
  ];
  assert.equal(metricsSeries(records), [
    { name: 'loss', points: [[2, 5], [4, 4], [6, 3]] },
    { name: 'test_loss', points: [[4, 4.2], [8, 3.1]] },
  ]);
  const metrics = join(dir, 'metrics.jsonl');
  writeFileSync(metrics, `${records.map((r) => JSON.stringify(r)).join('\n')}\n{"kind":"log","st`);
  assert.ok(writeLossCurve(metrics, join(dir, 'loss.svg')), 'a cut last line is skipped');
  const svg = readFileSync(join(dir, 'loss.svg'), 'utf8');
  assert.is(parseXmlish(svg).filter((t) => t.name === 'polyline').length, 2);
  writeFileSync(metrics, '{"kind":"log","step":1,"epoch":1}\nnot json\n');
  assertThrows(() => writeLossCurve(metrics, join(dir, 'x.svg')), /metrics\.jsonl: line 2 is not JSON/);
  assert.not.ok(writeLossCurve(join(dir, 'none.jsonl'), join(dir, 'x.svg')));
});

s.run();
