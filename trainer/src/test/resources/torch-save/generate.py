import collections, json, sys
import torch
out = sys.argv[1]
torch.manual_seed(0)
sd = collections.OrderedDict()
sd["dense.weight"] = torch.randn(3, 4)
sd["dense.bias"] = torch.randn(4)
sd["transposed"] = torch.arange(12, dtype=torch.float32).reshape(3, 4).t()
base = torch.arange(10, dtype=torch.float32)
sd["shared.head"] = base[:6].view(2, 3)
sd["shared.tail"] = base[6:]
sd["half"] = torch.tensor([1.0, -2.5, 65504.0, 1 / 3, 6e-8], dtype=torch.float16)
sd["bfloat"] = torch.tensor([1.0, -2.5, 3.140625, 1e-38], dtype=torch.bfloat16)
sd["position_ids"] = torch.arange(5, dtype=torch.int64).unsqueeze(0)
sd["scale"] = torch.tensor(0.125)
sd["parameter"] = torch.nn.Parameter(torch.full((2,), 7.0))
torch.save(sd, f"{out}/state_zip.bin")
torch.save(sd, f"{out}/state_legacy.bin", _use_new_zipfile_serialization=False)
model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.LayerNorm(3))
torch.save(model.state_dict(), f"{out}/module_zip.bin")
expected = {}
for name, t in list(sd.items()) + [("module." + k, v) for k, v in model.state_dict().items()]:
    expected[name] = {"shape": list(t.shape), "dtype": str(t.dtype),
                      "values": [float(x) for x in t.detach().to(torch.float64).flatten().tolist()]}
json.dump(expected, open(f"{out}/expected.json", "w"), indent=1)
print("torch", torch.__version__)
