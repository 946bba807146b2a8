using System.Text.RegularExpressions;

namespace Glimpse.Model.Loading;

/// <summary>
/// Maps checkpoint keys onto our module tree, whose names are Hugging Face's current (≥ 4.52) names without the
/// leading "model.". Checkpoints come in both layouts (old hub files and files saved by newer transformers), so
/// each family lists its rules; the first that matches rewrites the key, as transformers' own key mapping does.
/// </summary>
public sealed class WeightNames
{
    private readonly (Regex Pattern, string Replacement)[] _rules;
    private readonly Regex[] _ignored;

    private WeightNames((string, string)[] rules, string[] ignored)
    {
        _rules = rules.Select(r => (new Regex(r.Item1, RegexOptions.CultureInvariant), r.Item2)).ToArray();
        _ignored = ignored.Select(p => new Regex(p, RegexOptions.CultureInvariant)).ToArray();
    }

    /// <summary>Non-persistent buffers some older files carry; they are recomputed, never loaded.</summary>
    private static readonly string[] Buffers = [@"\.rotary_emb\.inv_freq$", @"\.position_ids$"];

    public static WeightNames Llava { get; } = new(
    [
        (@"^language_model\.model\.", "language_model."),
        (@"^language_model\.lm_head\.", "lm_head."),
        (@"^model\.language_model\.", "language_model."),
        (@"^model\.vision_tower\.", "vision_tower."),
        (@"^model\.multi_modal_projector\.", "multi_modal_projector."),
    ], Buffers);

    public static WeightNames Qwen2VL { get; } = new(
    [
        (@"^model\.visual\.", "visual."),
        (@"^model\.language_model\.", "language_model."),
        (@"^model\.", "language_model."),
    ], Buffers);

    public static WeightNames For(string modelType) => modelType switch
    {
        "llava" => Llava,
        // Qwen2.5-VL checkpoints use Qwen2-VL's key layouts (visual.*, model.*; newer model.visual.*, model.language_model.*).
        "qwen2_vl" or "qwen2_5_vl" => Qwen2VL,
        _ => throw new ModelLoadException($"No weight-name rules for model_type '{modelType}'."),
    };

    public bool IsIgnored(string key) => _ignored.Any(r => r.IsMatch(key));

    public string Map(string key)
    {
        foreach (var (pattern, replacement) in _rules)
        {
            if (pattern.IsMatch(key)) return pattern.Replace(key, replacement, 1);
        }
        return key;
    }
}
