// Render ZPL from stdin to a PNG with zpl-renderer-js (zebrash, an independent ZPL renderer):
// NODE_PATH=build/zpl-renderer/node_modules node tests/zpl_render.cjs WIDTH_MM HEIGHT_MM DPMM OUT.png
const fs = require("node:fs");
const { ready } = require("zpl-renderer-js");
(async () => {
  const [w, h, dpmm, out] = process.argv.slice(2);
  const zpl = fs.readFileSync(0, "utf8");
  const { api } = await ready;
  const png = await api.zplToBase64Async(zpl, Number(w), Number(h), Number(dpmm));
  fs.writeFileSync(out, Buffer.from(png, "base64"));
  process.exit(0);
})().catch((e) => { console.error(String(e)); process.exit(1); });
