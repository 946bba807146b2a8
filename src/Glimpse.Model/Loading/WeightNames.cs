using System.Text.RegularExpressions;

namespace Glimpse.Model.Loading;

/// <summary>
/// Maps checkpoint keys onto our module tree, whose names are Hugging Face's current (≥ 4.52) names without the
/// leading "model.". Checkpoints come in both layouts (old hub files and files saved by newer transformers), so each
/// family (<see cref="Families.ModelFamily.WeightNames"/>) lists its rules; the first that matches rewrites the key,
/// as transformers' own key mapping does.
/// </summary>
public sealed class WeightNames
{
    private readonly (Regex Pattern, string Replacement)[] _rules;
    private readonly Regex[] _ignored;

    /// <param name="rules">(pattern, replacement) pairs tried in order; the first that matches rewrites the key.</param>
    public WeightNames(IEnumerable<(string Pattern, string Replacement)> rules)
    {
        _rules = rules.Select(r => (new Regex(r.Pattern, RegexOptions.CultureInvariant), r.Replacement)).ToArray();
        _ignored = Buffers.Select(p => new Regex(p, RegexOptions.CultureInvariant)).ToArray();
    }

    /// <summary>Non-persistent buffers some older files carry; they are recomputed, never loaded.</summary>
    private static readonly string[] Buffers = [@"\.rotary_emb\.inv_freq$", @"\.position_ids$"];

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
