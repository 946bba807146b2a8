using Glimpse.Model.Architectures;
using Glimpse.Model.Configuration;
using Glimpse.Model.Families;
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

/// <summary>Builds the model of the family a folder's <c>config.json</c> names and loads its weights.</summary>
public static class ModelLoader
{
    public static VisionLanguageModel Load(string modelDir, ModelLoadOptions? options = null)
    {
        options ??= new ModelLoadOptions();
        if (!Directory.Exists(modelDir)) throw new ModelLoadException($"Model folder '{modelDir}' does not exist.");
        var config = ConfigReader.Read(modelDir);
        var files = CheckpointFiles.Find(modelDir);

        var family = ModelFamilies.For(config.ModelType);
        var model = family.CreateModel(config);
        try
        {
            WeightLoader.Load(model, files, family.WeightNames);
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
