using Glimpse.Model.Architectures;
using Glimpse.Model.Configuration;
using Glimpse.Model.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Model;

/// <summary>How to place a model: compute dtype (float32 on CPU by default) and device.</summary>
public sealed record ModelLoadOptions
{
    public ScalarType DType { get; init; } = ScalarType.Float32;
    public string Device { get; init; } = "cpu";
}

/// <summary>Builds the architecture a folder's <c>config.json</c> names and loads its weights.</summary>
public static class ModelLoader
{
    public static VisionLanguageModel Load(string modelDir, ModelLoadOptions? options = null)
    {
        options ??= new ModelLoadOptions();
        if (!Directory.Exists(modelDir)) throw new ModelLoadException($"Model folder '{modelDir}' does not exist.");
        var config = ConfigReader.Read(modelDir);
        var files = CheckpointFiles.Find(modelDir);

        VisionLanguageModel model = config switch
        {
            LlavaConfig llava => new LlavaModel(llava),
            Qwen2VLConfig qwen => new Qwen2VLModel(qwen),
            Qwen25VLConfig qwen25 => new Qwen25VLModel(qwen25),
            _ => throw new ModelLoadException($"{config.ModelType} has no implementation."),
        };
        try
        {
            WeightLoader.Load(model, files, WeightNames.For(config.ModelType));
            model.eval();
            // Explanations take gradients with respect to attention, never parameters.
            foreach (var p in model.parameters()) p.requires_grad = false;
            model.to(options.DType).to(new Device(options.Device));
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
