using Glimpse.Model.Architectures;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Model.Tests;

/// <summary>
/// The Hugging Face reference outputs in ../shared/reference (see its README). Tests read the files where they lie;
/// a missing folder is a loud failure, never a skip.
/// </summary>
public sealed class ReferenceSet : IDisposable
{
    public string Name { get; }
    public string ModelDir { get; }
    public string ImagePath { get; }
    public JsonObject Json { get; }
    private readonly Dictionary<string, Tensor> _tensors;

    public ReferenceSet(string name)
    {
        Name = name;
        string root = Root;
        ModelDir = Path.Combine(root, $"{name}_tiny");
        ImagePath = Path.Combine(root, $"{name}_input.png");
        Json = JsonNode.Parse(File.ReadAllText(Path.Combine(root, $"{name}_reference.json")))!.AsObject();
        _tensors = TorchSharp.PyBridge.Safetensors.LoadStateDict(Path.Combine(root, $"{name}_reference.safetensors"));
    }

    public static ReferenceSet Llava() => new("llava");
    public static ReferenceSet LlavaNext() => new("llavanext");
    public static ReferenceSet Qwen2VL() => new("qwen2vl");
    public static ReferenceSet Qwen25VL() => new("qwen25vl");
    public static ReferenceSet Qwen3VL() => new("qwen3vl");
    public static ReferenceSet Idefics3() => new("idefics3");

    /// <summary>The shared reference folder: $GLIMPSE_REFERENCE_DIR, else ../shared/reference beside the repository.</summary>
    public static string Root
    {
        get
        {
            string? fromEnv = Environment.GetEnvironmentVariable("GLIMPSE_REFERENCE_DIR");
            if (!string.IsNullOrEmpty(fromEnv)) return RequireDir(fromEnv);
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GlimpseFunctions.sln"))) dir = dir.Parent;
            if (dir?.Parent is null)
                throw new InvalidOperationException("Cannot find the repository root (GlimpseFunctions.sln) above " + AppContext.BaseDirectory);
            return RequireDir(Path.Combine(dir.Parent.FullName, "shared", "reference"));
        }
    }

    private static string RequireDir(string path) => Directory.Exists(path)
        ? path
        : throw new DirectoryNotFoundException(
            $"The shared reference folder '{path}' is missing. The model tests compare against Hugging Face outputs stored there; " +
            "place the project's shared/ folder beside the repository or set GLIMPSE_REFERENCE_DIR.");

    public Tensor this[string key] => _tensors.TryGetValue(key, out var t)
        ? t
        : throw new KeyNotFoundException($"reference tensor '{key}' not in {Name}_reference.safetensors");

    public bool Has(string key) => _tensors.ContainsKey(key);

    public long[] Ids(string jsonKey) => Json[jsonKey]!.AsArray().Select(n => n!.GetValue<long>()).ToArray();

    public void Dispose()
    {
        foreach (var t in _tensors.Values) t.Dispose();
    }
}

public static class TensorAssert
{
    /// <summary>max|actual − expected| / max|expected| ≤ tolerance (the reference README's relative error).</summary>
    /// <returns>the relative error, for reports</returns>
    public static double RelativeClose(Tensor expected, Tensor actual, double tolerance, string what)
    {
        using var scope = NewDisposeScope();
        var e = expected.to(float64).cpu();
        var a = actual.detach().to(float64).cpu();
        Assert.True(e.shape.SequenceEqual(a.shape),
            $"{what}: shape [{string.Join(",", a.shape)}] != expected [{string.Join(",", e.shape)}]");
        double scale = e.abs().max().item<double>();
        double err = (a - e).abs().max().item<double>() / (scale == 0 ? 1 : scale);
        Assert.True(err <= tolerance, $"{what}: relative error {err:E3} > {tolerance:E1}");
        return err;
    }

    public static void AbsoluteClose(Tensor expected, Tensor actual, double tolerance, string what)
    {
        using var scope = NewDisposeScope();
        var e = expected.to(float64).cpu();
        var a = actual.detach().to(float64).cpu();
        Assert.True(e.shape.SequenceEqual(a.shape),
            $"{what}: shape [{string.Join(",", a.shape)}] != expected [{string.Join(",", e.shape)}]");
        double err = (a - e).abs().max().item<double>();
        Assert.True(err <= tolerance, $"{what}: absolute error {err:E3} > {tolerance:E1}");
    }
}

/// <summary>A tiny reference checkpoint loaded once per test class, with its reference tensors.</summary>
public abstract class ReferenceModelFixture<TModel> : IDisposable where TModel : VisionLanguageModel
{
    protected ReferenceModelFixture(string set)
    {
        Reference = new ReferenceSet(set);
        Model = (TModel)ModelLoader.Load(Reference.ModelDir);
    }

    public ReferenceSet Reference { get; }
    public TModel Model { get; }

    /// <summary>The stored image input, as the reference's model received it.</summary>
    public abstract ImageInput Image { get; }

    public void Dispose()
    {
        Model.Dispose();
        Reference.Dispose();
    }
}

/// <summary>A Qwen set: patch rows and their (t, h, w) grid.</summary>
public abstract class QwenReferenceFixture<TModel>(string set) : ReferenceModelFixture<TModel>(set) where TModel : VisionLanguageModel
{
    public long[] Grid => Reference["image_grid_thw"][0].data<long>().ToArray();
    public override ImageInput Image => new(Reference["pixel_values"], Grid);
}
