// The Express twin of unmodified-app.cjs: an app as a PM2 user brings it, nothing about its supervisor in it.
const express = require('express');

const app = express();
app.get('/', (_request, response) => response.send(String(process.pid)));
app.listen(Number(process.env.PORT), '127.0.0.1');
