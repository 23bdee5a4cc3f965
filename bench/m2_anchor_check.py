# The anchor's M2 loss (its class and helpers exec'd from torch_steps.py, argv[1]) in float64 on semigen's weights,
# batch and eps (argv[2], written by m2_anchor_check.ts): our W [in, out] is PyTorch's weight transposed, and the
# split first layers stack into the anchor's joint ones ([x, onehot(y)] and [z, onehot(y)]). Prints the loss.
import json, sys, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
src = open(sys.argv[1]).read()
exec(src[src.index('def mlp'):src.index('# vae-step')])
exec(src[src.index('class M2'):src.index('# gan-step')])
d = json.load(open(sys.argv[2]))
W = {k: torch.tensor(v['data'], dtype=torch.float64).reshape(v['shape']) for k, v in d['weights'].items()}
m = M2().double()
def put(layer, w, b): layer.weight.data = w.t().contiguous(); layer.bias.data = b.clone()
for i in range(3): put(m.qy[2 * i], W[f'classifier.layers.{i}.weight'], W[f'classifier.layers.{i}.bias'])
put(m.qz[0], torch.cat([W['encoderX.weight'], W['encoderY.weight']]), W['encoderX.bias'])
put(m.qz[2], W['encoder.layers.0.weight'], W['encoder.layers.0.bias'])
put(m.mu, W['mu.weight'], W['mu.bias']); put(m.lv, W['logvar.weight'], W['logvar.bias'])
put(m.px[0], torch.cat([W['decoderZ.weight'], W['decoderY.weight']]), W['decoderZ.bias'])
put(m.px[2], W['decoder.layers.0.weight'], W['decoder.layers.0.bias'])
put(m.px[4], W['output.weight'], W['output.bias'])
# the anchor draws eps for the labelled rows, then for the enumerated ones: the same order as one draw of ours
eps = torch.tensor(d['eps'], dtype=torch.float64).reshape(-1, 50); used = [0]
def take(t):
    e = eps[used[0]:used[0] + t.shape[0]]; used[0] += t.shape[0]; return e
torch.randn_like = take
rows = lambda key: torch.tensor(d[key], dtype=torch.float64).reshape(-1, 784)
with torch.no_grad(): print(m.loss(rows('xl'), torch.tensor(d['yl']).long(), rows('xu')).item())
