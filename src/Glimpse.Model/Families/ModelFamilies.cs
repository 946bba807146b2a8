using Glimpse.Model.Families.Idefics3;
using Glimpse.Model.Families.Llava;
using Glimpse.Model.Families.LlavaNext;
using Glimpse.Model.Families.Qwen25VL;
using Glimpse.Model.Families.Qwen2VL;
using Glimpse.Model.Families.Qwen3VL;

namespace Glimpse.Model.Families;

/// <summary>The families Glimpse supports, by <c>model_type</c>. Adding a family is one folder and one line here.</summary>
public static class ModelFamilies
{
    public static IReadOnlyList<ModelFamily> All { get; } =
    [
        new LlavaFamily(),
        new LlavaNextFamily(),
        new Qwen2VLFamily(),
        new Qwen25VLFamily(),
        new Qwen3VLFamily(),
        new Idefics3Family(),
    ];

    private static readonly Dictionary<string, ModelFamily> ByModelType = All.ToDictionary(f => f.ModelType, StringComparer.Ordinal);

    /// <summary>"llava (LLaVA-1.5 …), qwen2_vl (Qwen2-VL …)": what an error about an unknown type lists.</summary>
    public static string Supported => string.Join(", ", All.Select(f => f.ModelType));

    public static ModelFamily? Find(string modelType) => ByModelType.GetValueOrDefault(modelType);

    /// <exception cref="ModelLoadException">No family has this model_type.</exception>
    public static ModelFamily For(string modelType) => Find(modelType)
        ?? throw new ModelLoadException($"model_type '{modelType}' is not supported. Supported: {Supported}.");
}
