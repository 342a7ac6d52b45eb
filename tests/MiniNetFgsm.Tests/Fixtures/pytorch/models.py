"""The two MiniNetFgsm architectures in PyTorch. state_dict keys are the safetensors tensor names."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet(nn.Module):
    """conv1(1->10,5) -> pool2 -> relu -> conv2(10->20,5) -> dropout(0.5) -> pool2 -> relu
    -> flatten(320) -> fc1(50) -> relu -> dropout(0.5) -> fc2(10). Returns logits."""

    architecture = "lenet"

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.conv2_drop = nn.Dropout(0.5)  # plain elementwise dropout (not Dropout2d)
        self.fc1 = nn.Linear(320, 50)
        self.fc1_drop = nn.Dropout(0.5)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.fc1_drop(x)
        return self.fc2(x)


class MnistCnn(nn.Module):
    """conv1(1->32,3) -> relu -> conv2(32->64,3) -> relu -> pool2 -> dropout(0.25) -> flatten(9216)
    -> fc1(128) -> relu -> dropout(0.5) -> fc2(10). Returns logits."""

    architecture = "mnist-cnn"

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3)
        self.conv2 = nn.Conv2d(32, 64, 3)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        return self.fc2(x)


ARCHITECTURES = {"lenet": LeNet, "mnist-cnn": MnistCnn}


def build_model(arch: str) -> nn.Module:
    try:
        return ARCHITECTURES[arch]()
    except KeyError:
        raise ValueError(f"unknown architecture {arch!r}; expected one of {sorted(ARCHITECTURES)}") from None


def state_dict_numpy(model: nn.Module):
    """state_dict as an ordered name -> float32 numpy array mapping (for safetensors_io.save_file)."""
    return {k: v.detach().cpu().float().contiguous().numpy() for k, v in model.state_dict().items()}


def load_model(path: str, arch: str | None = None) -> nn.Module:
    from safetensors_io import load_file

    tensors, meta = load_file(path)
    arch = arch or meta.get("architecture")
    model = build_model(arch)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()})
    return model
