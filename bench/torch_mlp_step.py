# PyTorch side of `npm run bench:mlp`: time per training step of the 784-500-500-10 ReLU MLP with dropout 0.5,
# Adam 1e-3, batch 100, on Fashion-MNIST batches -- the same step `semigen bench mlp-step` times.
# Usage: /usr/bin/python3 bench/torch_mlp_step.py [threads] [steps]   (SEMIGEN_DATA points at the data folder)
import gzip, os, sys, time, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 300
torch.set_num_threads(threads); torch.manual_seed(0)
D = os.path.join(os.environ.get('SEMIGEN_DATA', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'shared', 'data')), 'fashion-mnist')
X = torch.from_numpy(np.frombuffer(gzip.open(os.path.join(D, 'train-images-idx3-ubyte.gz')).read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255)
Y = torch.from_numpy(np.frombuffer(gzip.open(os.path.join(D, 'train-labels-idx1-ubyte.gz')).read(), np.uint8, offset=8).astype(np.int64))
m = nn.Sequential(nn.Linear(784, 500), nn.ReLU(), nn.Dropout(0.5), nn.Linear(500, 500), nn.ReLU(), nn.Dropout(0.5), nn.Linear(500, 10))
opt = torch.optim.Adam(m.parameters(), 1e-3)
def step():
    b = torch.randint(0, 60000, (100,))
    loss = F.cross_entropy(m(X[b]), Y[b]); opt.zero_grad(); loss.backward(); opt.step()
    return loss.item()
for _ in range(20): step()
times = []
for _ in range(steps):
    t = time.perf_counter(); step(); times.append(time.perf_counter() - t)
ms = float(np.median(times)) * 1e3
print(f'{{"name":"torch-mlp-step","torch":"{torch.__version__}","threads":{threads},"ms_per_step":{ms:.4f},"samples_per_s":{100 / ms * 1e3:.0f}}}', flush=True)
