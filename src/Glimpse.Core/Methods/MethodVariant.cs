using System.Text;
using System.Text.Json;

namespace Glimpse.Core.Methods;

/// <summary>
/// A method with option values of its own, for ablations: <c>glimpse[token_weights=uniform,depth_prior=off]</c> is GLIMPSE
/// with uniform token weights and no depth prior. <c>glimpse --methods</c> lists and audit suites' <c>methods</c> take
/// variants wherever they take a method name; a plain name is a variant without options. Its <see cref="Label"/> names it
/// in eval.csv, summary.json, eval.html and audit summaries.
/// </summary>
/// <param name="Label">The variant as it is written back: the method, then its options in the order given, no spaces.</param>
/// <param name="Method">The method it runs.</param>
/// <param name="Options">Option names (snake_case, as in manifests) and their values as text, in the order given.</param>
public sealed record MethodVariant(string Label, ExplainMethod Method, IReadOnlyList<KeyValuePair<string, string>> Options)
{
    /// <summary>The longest variant accepted, in characters.</summary>
    public const int MaxLength = 256;

    /// <summary>A method by name, without options of its own.</summary>
    public static MethodVariant Of(string method)
    {
        var known = ExplainMethods.Get(method);
        return new MethodVariant(known.Name, known, []);
    }

    /// <summary>
    /// Reads <c>name</c> or <c>name[option=value,…]</c>. The method must be known, each option in the option table, taken
    /// by the method, given once and with a valid value (checked here, so a bad variant fails before any work).
    /// </summary>
    /// <exception cref="ArgumentException">The message says what is wrong, naming the variant.</exception>
    public static MethodVariant Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string written = text.Trim();
        if (written.Length == 0) throw new ArgumentException("A method name is empty.");
        if (written.Length > MaxLength) throw new ArgumentException($"The method variant '{UserText.Shorten(written)}' is longer than {MaxLength} characters.");
        int open = written.IndexOf('[');
        if (open < 0)
        {
            if (written.Contains(']')) throw new ArgumentException($"'{UserText.Shorten(written)}' has a ']' without its '['.");
            return Of(written);
        }
        if (!written.EndsWith(']') || written.IndexOf('[', open + 1) >= 0 || written.IndexOf(']') != written.Length - 1)
            throw new ArgumentException($"'{UserText.Shorten(written)}' is not a method variant; write method[option=value,option=value].");
        var method = ExplainMethods.Get(written[..open].Trim());
        var options = new List<KeyValuePair<string, string>>();
        foreach (string pair in written[(open + 1)..^1].Split(',', StringSplitOptions.TrimEntries))
        {
            int equals = pair.IndexOf('=');
            if (equals <= 0 || equals == pair.Length - 1)
                throw new ArgumentException($"In '{UserText.Shorten(written)}', '{UserText.Shorten(pair)}' is not option=value.");
            string name = pair[..equals].Trim(), value = pair[(equals + 1)..].Trim();
            if (options.Any(o => o.Key == name)) throw new ArgumentException($"In '{UserText.Shorten(written)}', {UserText.Shorten(name)} is given twice.");
            options.Add(new(name, value));
        }
        var variant = new MethodVariant(Format(method.Name, options), method, options);
        var problems = new List<string>();
        variant.Settings(ExplainSettings.Default, problems);
        return problems.Count == 0 ? variant : throw new ArgumentException($"In '{UserText.Shorten(written)}': {string.Join("; ", problems)}.");
    }

    /// <summary>
    /// Splits a comma-separated list of variants, leaving the commas inside brackets alone:
    /// <c>glimpse,glimpse[depth_prior=off,row_normalize=off],chefer</c> is three.
    /// </summary>
    public static IReadOnlyList<string> SplitList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = new List<string>();
        var current = new StringBuilder();
        int depth = 0;
        foreach (char c in text)
        {
            if (c == ',' && depth == 0)
            {
                parts.Add(current.ToString());
                current.Clear();
                continue;
            }
            depth += c switch { '[' => 1, ']' => -1, _ => 0 };
            current.Append(c);
        }
        parts.Add(current.ToString());
        return [.. parts.Select(p => p.Trim()).Where(p => p.Length > 0)];
    }

    /// <summary>Reads a list of variants; the labels must differ (the first is the one the others are compared with).</summary>
    /// <exception cref="ArgumentException">A variant is malformed, or two are the same.</exception>
    public static IReadOnlyList<MethodVariant> ParseList(IEnumerable<string> texts)
    {
        var variants = texts.Select(Parse).ToList();
        if (variants.Count == 0) throw new ArgumentException("Name at least one method.");
        if (variants.GroupBy(v => v.Label).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"The method {twice.Key} is named twice.");
        return variants;
    }

    /// <summary>The settings this variant runs with: <paramref name="start"/> (the run's) with its own options applied.</summary>
    public ExplainSettings Settings(ExplainSettings start, List<string> problems) =>
        Options.Count == 0 ? start : ExplainOptions.Parse(Method, Options, name => name, problems, start);

    /// <summary>The settings, or an <see cref="ArgumentException"/> naming the variant's problems.</summary>
    public ExplainSettings Settings(ExplainSettings start)
    {
        var problems = new List<string>();
        var settings = Settings(start, problems);
        return problems.Count == 0 ? settings : throw new ArgumentException($"{Label}: {string.Join("; ", problems)}.");
    }

    /// <summary>
    /// A job manifest's <c>options</c> for this variant: those of <paramref name="shared"/> (an audit suite's options) its
    /// method takes (<see cref="ExplainOptions.For"/>), with the variant's own on top, as typed JSON values.
    /// </summary>
    public IReadOnlyDictionary<string, JsonElement> ManifestOptions(IReadOnlyDictionary<string, JsonElement> shared)
    {
        var options = new Dictionary<string, JsonElement>(ExplainOptions.For(Method, shared), StringComparer.Ordinal);
        foreach (var (name, text) in Options)
        {
            var spec = ExplainOptions.Find(name) ?? throw new InvalidOperationException($"{Label}: {name} is not an option.");
            options[name] = JsonSerializer.SerializeToElement(spec.Parse(text) ?? throw new InvalidOperationException($"{Label}: {name} has no valid value."));
        }
        return options;
    }

    /// <summary>The JSON Schema pattern of a method as audit suites write it: a name of the table, optionally with
    /// [option=value,…] (the values themselves are checked by the reader against the option table).</summary>
    public static string SchemaPattern =>
        $"^({string.Join("|", ExplainMethods.Names.Select(System.Text.RegularExpressions.Regex.Escape))})(\\[[a-z_]+=[^,\\[\\]=]+(,[a-z_]+=[^,\\[\\]=]+)*\\])?$";

    public override string ToString() => Label;

    private static string Format(string method, IReadOnlyList<KeyValuePair<string, string>> options) =>
        options.Count == 0 ? method : $"{method}[{string.Join(",", options.Select(o => $"{o.Key}={o.Value}"))}]";
}
