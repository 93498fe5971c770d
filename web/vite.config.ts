import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The config lives in web/, but `npm run build:web` runs from the repository root: resolve paths from here.
const webRoot = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig(({ command }) => {
  // A build started from the test runner inherits NODE_ENV=test, which would ship React's and antd's
  // slow development builds. Only an explicit NODE_ENV=development may make a development build.
  if (command === 'build' && process.env.NODE_ENV !== 'development') process.env.NODE_ENV = 'production';
  return {
    root: webRoot,
    base: '/',
    plugins: [react()],
    build: {
      outDir: path.join(webRoot, 'dist'),
      emptyOutDir: true,
      // antd is one large vendor chunk by nature; pages are split by route (React.lazy).
      chunkSizeWarningLimit: 1500,
    },
    server: {
      // `npm run dev:web`: the API runs separately (`npm start`, port 8080).
      proxy: { '/api': { target: 'http://127.0.0.1:8080', changeOrigin: false } },
    },
  };
});
