import { defineConfig } from "vitest/config";

// Tauri expects a fixed dev port (tauri.conf.json devUrl) and a plain static build in ui/dist.
export default defineConfig({
  clearScreen: false,
  server: { port: 1420, strictPort: true, host: "localhost" },
  build: { outDir: "dist", emptyOutDir: true, target: "safari15", sourcemap: false },
  test: { environment: "happy-dom", include: ["src/**/*.test.ts", "relay/**/*.test.ts"] },
});
