using Glimpse.Core.Methods;
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

    /// <summary>The options that load a model in <paramref name="precision"/>: bfloat16-mixed stores the weights in
    /// bfloat16 (the attention kernel keeps what explanations read in float32 whatever the weights' dtype).</summary>
    public static ModelLoadOptions For(ModelPrecision precision, string device = "cpu") => new()
    {
        DType = precision == ModelPrecision.BFloat16Mixed ? ScalarType.BFloat16 : ScalarType.Float32,
        Device = device,
    };

    /// <summary>The precision a model whose weights are <paramref name="dtype"/> runs in, by name: a 16-bit dtype is
    /// always mixed (explanations read float32 attention), so bfloat16 weights are "bfloat16-mixed".</summary>
    public static string PrecisionName(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => ModelPrecision.Float32.Name(),
        ScalarType.BFloat16 => ModelPrecision.BFloat16Mixed.Name(),
        ScalarType.Float16 => "float16-mixed",
        _ => dtype.ToString().ToLowerInvariant(),
    };
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
        var model = Construct(options.DType, () => family.CreateModel(config));
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

    private static readonly Lock DefaultDTypeLock = new();

    /// <summary>
    /// Builds a model for loading in <paramref name="dtype"/>. A 16-bit model's parameters are created in that dtype from
    /// the start, so that a model too large for memory in float32 (a 7B decoder: 27 GB) can be built in bfloat16
    /// (13.5 GB) and never exists in float32; any other model is built in float32 and converted after loading.
    /// </summary>
    /// <remarks>
    /// TorchSharp's default dtype is process-wide, not per thread: while it is switched, a tensor another thread makes
    /// without a dtype would get this one. So the switch happens only for 16-bit models, only while the modules are
    /// constructed (no forward runs), and loads take turns; the worker loads models only while it holds its device, so no
    /// explanation runs beside a load.
    /// </remarks>
    public static T Construct<T>(ScalarType dtype, Func<T> construct)
    {
        if (dtype is not (ScalarType.BFloat16 or ScalarType.Float16)) return construct();
        lock (DefaultDTypeLock)
        {
            var previous = torch.get_default_dtype();
            torch.set_default_dtype(dtype);
            try
            {
                return construct();
            }
            finally
            {
                torch.set_default_dtype(previous);
            }
        }
    }
}
