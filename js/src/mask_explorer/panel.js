// What the mask explorer's four panels share: their class prefix and a tooltip each.

/** CanvasPanel options common to the mask explorer's panels. */
export const PANEL = Object.freeze({ prefix: "nbviz-mask-explorer", tooltip: true });
