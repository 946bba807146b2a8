using Glimpse.Model.Families.Llava;
using Glimpse.Model.Architectures;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Glimpse.Demo.ModelFiles;

/// <summary>Fresh weights for training, and writing trained weights as a Hugging Face model.safetensors.</summary>
public static class DemoCheckpoint
{
    public const string WeightsFile = "model.safetensors";

    /// <summary>
    /// Hugging Face's LLaVA initialisation: matrices and embeddings from N(0, 0.02), biases zero, norms one (as
    /// constructed). TorchSharp's own defaults (N(0, 1) embeddings, Kaiming linears) train far less steadily.
    /// </summary>
    public static void Initialize(LlavaModel model, double std = 0.02)
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (name.EndsWith(".bias", StringComparison.Ordinal)) nn.init.zeros_(parameter);
            else if (parameter.dim() >= 2 || name.EndsWith("class_embedding", StringComparison.Ordinal)) nn.init.normal_(parameter, 0, std);
        }
    }

    /// <summary>
    /// Writes the weights under the names current transformers saves LLaVA with: our module names (Hugging Face's
    /// without the leading "model.") prefixed with "model.", except the LM head, which sits beside the model.
    /// </summary>
    public static void SaveWeights(LlavaModel model, string folder)
    {
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (name, tensor) in model.state_dict())
            tensors[name == "lm_head.weight" ? name : "model." + name] = tensor.detach().cpu().to(float32).contiguous();
        Directory.CreateDirectory(folder);
        Safetensors.SaveStateDict(Path.Combine(folder, WeightsFile), tensors);
    }
}
