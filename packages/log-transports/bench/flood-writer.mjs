// Writes <lines> numbered lines of exactly <lineLength> bytes to stdout, in blocks of about 64 KiB with
// blocking writes (as a buffered logger does), then exits.
import { writeSync } from 'node:fs';

const lines = Number(process.argv[2] ?? 1_000_000);
const lineLength = Number(process.argv[3] ?? 100);
const filler = 'x'.repeat(lineLength);
const perBlock = Math.max(1, Math.floor(65_536 / lineLength));

for (let first = 0; first < lines; first += perBlock) {
  let text = '';
  for (let index = first; index < Math.min(lines, first + perBlock); index++) {
    const head = `${String(index).padStart(10, '0')} flood `;
    text += `${head}${filler.slice(head.length + 1)}\n`;
  }
  const block = Buffer.from(text);
  for (let offset = 0; offset < block.length; ) offset += writeSync(1, block, offset);
}
