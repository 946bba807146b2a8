using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Model.Modules;

/// <summary>The activations Hugging Face configs name (transformers' ACT2FN), by config string.</summary>
public static class Activations
{
    public static Func<Tensor, Tensor> Get(string name) => name switch
    {
        "silu" or "swish" => x => nn.functional.silu(x),
        "gelu" => x => nn.functional.gelu(x),
        "quick_gelu" => x => x * torch.sigmoid(1.702 * x),
        "gelu_new" or "gelu_fast" or "gelu_pytorch_tanh" => x => nn.functional.gelu(x, TorchSharp.Modules.GELU.Approximate.tanh),
        "relu" => x => nn.functional.relu(x),
        _ => throw new ModelLoadException($"Activation '{name}' is not supported."),
    };
}
