// What the views import besides JavaScript: esbuild bundles each view's CSS into
// nbviz/static/<view>.css, which the Python widget hands to anywidget as `_css`.
declare module "*.css";
