// usage: node /tmp/pty.mjs "<command>" [ctrlc-after-regex]
import { spawn } from 'node:child_process';
import xterm from '@xterm/headless';
const { Terminal } = xterm;
const term = new Terminal({ cols: 120, rows: 50, allowProposedApi: true });
const child = spawn('script', ['-qfec', 'stty cols 120 rows 50; ' + process.argv[2], '/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, COLUMNS: '120', LINES: '50' } });
let raw = '';
let sent = false;
child.stdout.on('data', (d) => { raw += d; term.write(d); if (process.argv[3] && !sent && new RegExp(process.argv[3]).test(raw)) { sent = true; setTimeout(()=>child.stdin.write('\x03'), 300); } });
child.on('exit', (code) => {
  term.write('', () => {
    const b = term.buffer.active; const lines = [];
    for (let i = 0; i < b.length; i++) lines.push(b.getLine(i).translateToString(true));
    console.log(lines.join('\n').replace(/\n+$/, ''));
    console.log('EXIT', code);
  });
});
