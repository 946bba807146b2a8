using System.Globalization;
using System.Text.Json;

namespace Glimpse.Core.Methods;

/// <summary>The kind of value an option takes.</summary>
public enum OptionKind { Number, Integer, Boolean, Choice }

/// <summary>
/// One option of the explanation methods, as every surface spells it: <see cref="Name"/> in manifests, audit suites and
/// result.json, <see cref="Flag"/> on the command line. Values are bounded on both sides so a job cannot ask for absurd
/// work; <see cref="GlimpseOptions.Validate"/> still has the last word.
/// </summary>
public sealed record ExplainOption
{
    /// <summary>snake_case, e.g. <c>depth_lambda</c>.</summary>
    public required string Name { get; init; }
    public required OptionKind Kind { get; init; }
    public required string Description { get; init; }
    /// <summary>The methods it applies to, by what they compute from; a value given for another method is refused.</summary>
    public required IReadOnlyList<MethodFamily> Families { get; init; }
    /// <summary>When set, the only methods (by name) it applies to, narrower than <see cref="Families"/>: e.g. the layer
    /// that raw attention and Grad-CAM read.</summary>
    public IReadOnlyList<string>? OnlyMethods { get; init; }
    /// <summary>True when the option changes the map, so result.json's <c>options</c> records it; false for resources
    /// (chunking) and display (normalisation, per-token maps).</summary>
    public bool Reported { get; init; }
    public double Minimum { get; init; }
    public double Maximum { get; init; }
    public bool MinimumExclusive { get; init; }
    public IReadOnlyList<string> Choices { get; init; } = [];
    /// <summary>The option's value in settings: a double, int, bool or the choice's name by <see cref="Kind"/>.</summary>
    public required Func<ExplainSettings, object> Read { get; init; }
    /// <summary>The settings with a value <see cref="Parse(string)"/> returned applied.</summary>
    public required Func<ExplainSettings, object, ExplainSettings> Apply { get; init; }

    /// <summary>The command-line flag: the name in kebab case, e.g. <c>--depth-lambda</c>.</summary>
    public string Flag => "--" + Name.Replace('_', '-');

    /// <summary>The default, as <see cref="Format"/> writes it.</summary>
    public string Default => Format(Read(ExplainSettings.Default));

    /// <summary>What a valid value is, for problem messages and help.</summary>
    public string Expected => Kind switch
    {
        OptionKind.Number => $"a number in {(MinimumExclusive ? "(" : "[")}{Invariant(Minimum)}, {Invariant(Maximum)}]",
        OptionKind.Integer => $"a whole number in [{Invariant(Minimum)}, {Invariant(Maximum)}]",
        OptionKind.Boolean => "true or false",
        _ => $"one of \"{string.Join("\", \"", Choices)}\"",
    };

    public bool AppliesTo(ExplainMethod method) => OnlyMethods is { } names ? names.Contains(method.Name) : Families.Contains(method.Family);

    /// <summary>The value of this option in <paramref name="settings"/>, as result.json and help texts write it (booleans as on/off).</summary>
    public string Value(ExplainSettings settings) => Format(Read(settings));

    /// <summary>A manifest's value (a JSON number, boolean or string); null when it is not one this option takes.</summary>
    public object? Parse(JsonElement value) => Kind switch
    {
        OptionKind.Number when value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double v) => InRange(v) ? v : null,
        OptionKind.Integer when value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int v) => InRange(v) ? v : null,
        OptionKind.Boolean when value.ValueKind is JsonValueKind.True or JsonValueKind.False => value.GetBoolean(),
        OptionKind.Choice when value.ValueKind == JsonValueKind.String => ChoiceOf(TryGetString(value)),
        _ => null,
    };

    /// <summary>A value written as text (a command-line flag, a method variant); booleans may be true/false or on/off.</summary>
    public object? Parse(string text) => Kind switch
    {
        OptionKind.Number => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && InRange(v) ? v : null,
        OptionKind.Integer => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && InRange(v) ? v : null,
        OptionKind.Boolean => text switch { "true" or "on" => true, "false" or "off" => false, _ => null },
        _ => ChoiceOf(text),
    };

    private bool InRange(double v) => double.IsFinite(v) && (MinimumExclusive ? v > Minimum : v >= Minimum) && v <= Maximum;

    private object? ChoiceOf(string? text) => text is not null && Choices.Contains(text) ? text : null;

    private static string? TryGetString(JsonElement element)
    {
        try
        {
            return element.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;   // not valid UTF-16 (a lone surrogate escape)
        }
    }

    private static string Format(object value) => value switch
    {
        bool b => b ? "on" : "off",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        _ => (string)value,
    };

    private static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The one table of the methods' options: names, kinds, ranges, defaults (read from <see cref="ExplainSettings.Default"/>,
/// so they cannot drift from the code), descriptions, which methods take them, and how each sets
/// <see cref="ExplainSettings"/>. The CLI's flags, the manifest's <c>options</c>, job.schema.json's option properties
/// (checked by a test), audit suites and result.json's <c>options</c> all come from it.
/// </summary>
public static class ExplainOptions
{
    private static readonly MethodFamily[] GlimpseOnly = [MethodFamily.Glimpse];
    private static readonly MethodFamily[] WithGradients = [MethodFamily.Glimpse, MethodFamily.Gradients];
    private static readonly MethodFamily[] Every = [MethodFamily.Glimpse, MethodFamily.Gradients, MethodFamily.Attention];

    public static IReadOnlyList<ExplainOption> All { get; } =
    [
        Number("lambda", "λ, the temperature of the head-weight softmax.", 0, true, 1000,
            s => s.Glimpse.Lambda, (s, v) => s with { Glimpse = s.Glimpse with { Lambda = v } }),
        Number("epsilon", "ε, added to the head-weight denominator.", 0, false, 1,
            s => s.Glimpse.Epsilon, (s, v) => s with { Glimpse = s.Glimpse with { Epsilon = v } }),
        Number("depth_lambda", "λ_d, the slope of the depth prior over layers.", -100, false, 100,
            s => s.Glimpse.DepthLambda, (s, v) => s with { Glimpse = s.Glimpse with { DepthLambda = v } }),
        Boolean("depth_prior", "Weigh layers by the depth prior.", GlimpseOnly, reported: true,
            s => s.Glimpse.DepthPrior, (s, v) => s with { Glimpse = s.Glimpse with { DepthPrior = v } }),
        Choice<HeadWeighting>("head_weighting", "adaptive (gradient-based head weights) or mean (heads averaged).",
            s => s.Glimpse.HeadWeighting, (s, v) => s with { Glimpse = s.Glimpse with { HeadWeighting = v } }),
        Boolean("row_normalize", "Row-normalise each layer's fused relevance.", GlimpseOnly, reported: true,
            s => s.Glimpse.RowNormalize, (s, v) => s with { Glimpse = s.Glimpse with { RowNormalize = v } }),
        Number("layer_fraction", "Propagate only the deepest ceil(f·L) layers.", 0, true, 1,
            s => s.Glimpse.LayerFraction, (s, v) => s with { Glimpse = s.Glimpse with { LayerFraction = v } }),
        Choice<PropagationRule>("propagation", "The propagation rule: doubled, R ← R + (I + αE)R (the method), or plain, R ← R + αE·R.",
            s => s.Glimpse.Propagation, (s, v) => s with { Glimpse = s.Glimpse with { Propagation = v } }),
        Choice<TokenWeighting>("token_weights", "How answer tokens are weighted in the response-level maps.",
            s => s.Glimpse.TokenWeights, (s, v) => s with { Glimpse = s.Glimpse with { TokenWeights = v } }),
        Choice<AnswerTokenSelection>("answer_tokens",
            "Which answer tokens are explained (one backward pass each) and weighed into the response-level maps: all, content " +
            "(leaving out function words, punctuation and end-of-sequence) or top-k (the top_k tokens that attend most to the image).",
            s => s.Glimpse.AnswerTokens, (s, v) => s with { Glimpse = s.Glimpse with { AnswerTokens = v } }),
        new ExplainOption
        {
            Name = "top_k", Kind = OptionKind.Integer, Families = GlimpseOnly, Reported = true, Minimum = 1, Maximum = 1024,
            Description = "With answer_tokens top-k, how many answer tokens are explained.",
            Read = s => s.Glimpse.TopK, Apply = (s, v) => s with { Glimpse = s.Glimpse with { TopK = (int)v } },
        },
        Choice<GradientTarget>("target", "The scalar each answer token back-propagates.",
            s => s.Glimpse.Target, (s, v) => s with { Glimpse = s.Glimpse with { Target = v } }),
        Choice<GradientRegion>("grad_region", "Which gradient entries the sums take: the causal triangle or all.",
            s => s.Glimpse.GradientRegion, (s, v) => s with { Glimpse = s.Glimpse with { GradientRegion = v } }),
        Boolean("exclude_self", "Zero the identity path R_t[q_t] before reading maps.", GlimpseOnly, reported: true,
            s => s.Glimpse.ExcludeSelf, (s, v) => s with { Glimpse = s.Glimpse with { ExcludeSelf = v } }),
        Boolean("per_token_maps", "Also keep one map per answer token, switchable in report.html.", Every, reported: false,
            s => s.Glimpse.PerTokenMaps, (s, v) => s with { Glimpse = s.Glimpse with { PerTokenMaps = v } }),
        new ExplainOption
        {
            Name = "layer", Kind = OptionKind.Integer, Families = Every, OnlyMethods = ["raw-attention", "gradcam"], Reported = true,
            Minimum = -1024, Maximum = 1023,
            Description = "The decoder layer raw attention and Grad-CAM read: 0 is the first, −1 the last, −2 the one before.",
            Read = s => s.Layer, Apply = (s, v) => s with { Layer = (int)v },
        },
        new ExplainOption
        {
            Name = "chunk_size", Kind = OptionKind.Integer, Families = WithGradients, Minimum = 0, Maximum = 1024,
            Description = "Answer tokens back-propagated together; 0 chooses from memory_budget_mib.",
            Read = s => s.Glimpse.ChunkSize, Apply = (s, v) => s with { Glimpse = s.Glimpse with { ChunkSize = (int)v } },
        },
        new ExplainOption
        {
            Name = "memory_budget_mib", Kind = OptionKind.Integer, Families = WithGradients, Minimum = 1, Maximum = 1 << 20,
            Description = "Memory a batched chunk of backward passes may use, in MiB.",
            Read = s => (int)(s.Glimpse.MemoryBudgetBytes >> 20),
            Apply = (s, v) => s with { Glimpse = s.Glimpse with { MemoryBudgetBytes = (int)v * 1048576L } },
        },
        new ExplainOption
        {
            Name = "normalize", Kind = OptionKind.Choice, Families = Every, Choices = ChoiceNames<MapNormalization>(),
            Description = "How heatmap.png, overlay.png and report.html normalise the map (result.json keeps raw values).",
            Read = s => Name(s.Normalization), Apply = (s, v) => s with { Normalization = Parse<MapNormalization>((string)v) },
        },
        new ExplainOption
        {
            Name = "precision", Kind = OptionKind.Choice, Families = Every, Choices = ModelPrecisions.Names,
            Description = "The model's precision: bfloat16-mixed stores and multiplies weights in bfloat16 (half the memory) while the " +
                          "attention probabilities, their gradients and the explanation stay float32.",
            // Not among a method's reported options: result.json records the precision the model actually ran in.
            Read = s => s.Precision.Name(), Apply = (s, v) => s with { Precision = ModelPrecisions.Parse((string)v) },
        },
    ];

    public static IReadOnlyList<string> Names { get; } = [.. All.Select(o => o.Name)];

    public static ExplainOption? Find(string name) => All.FirstOrDefault(o => o.Name == name);

    /// <summary>
    /// The settings a manifest's <c>options</c> ask for, for <paramref name="method"/>. Each unknown name, bad value or
    /// option the method does not take adds one problem (naming it <c>options.{name}</c>); nothing is dropped silently.
    /// </summary>
    public static ExplainSettings Parse(ExplainMethod method, IReadOnlyDictionary<string, JsonElement> options, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(options);
        return Parse([method], options.Select(o => new GivenValue(o.Key, spec => spec.Parse(o.Value), o.Value.GetRawText())), name => "options." + name, problems);
    }

    /// <summary>The settings options written as text ask for (command-line flags, method variants).</summary>
    /// <param name="label">How a problem names the option the user wrote, e.g. <c>depth_lambda</c> → <c>--depth-lambda</c>.</param>
    /// <param name="start">The settings the options change (a method variant's start from the run's); the defaults when null.</param>
    public static ExplainSettings Parse(ExplainMethod method, IEnumerable<KeyValuePair<string, string>> options, Func<string, string> label, List<string> problems,
        ExplainSettings? start = null)
    {
        ArgumentNullException.ThrowIfNull(method);
        return Parse([method], options, label, problems, start);
    }

    /// <summary>
    /// The settings for a run of several methods (<c>glimpse eval</c>): each option must apply to at least one of
    /// <paramref name="methods"/>; each method later reads the options it takes.
    /// </summary>
    public static ExplainSettings Parse(IReadOnlyList<ExplainMethod> methods, IEnumerable<KeyValuePair<string, string>> options, Func<string, string> label,
        List<string> problems, ExplainSettings? start = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Parse(methods, options.Select(o => new GivenValue(o.Key, spec => spec.Parse(o.Value), o.Value)), label, problems, start);
    }

    /// <summary>An option as the user gave it: its name, how to read its value for an option, and its text for messages.</summary>
    private sealed record GivenValue(string Name, Func<ExplainOption, object?> Read, string Text);

    private static ExplainSettings Parse(IReadOnlyList<ExplainMethod> methods, IEnumerable<GivenValue> options, Func<string, string> label, List<string> problems,
        ExplainSettings? start = null)
    {
        ArgumentNullException.ThrowIfNull(methods);
        if (methods.Count == 0) throw new ArgumentException("Options are read for at least one method.", nameof(methods));
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(problems);
        var settings = start ?? ExplainSettings.Default;
        var givenNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var given in options.OrderBy(o => o.Name, StringComparer.Ordinal))
        {
            if (Find(given.Name) is not { } spec)
            {
                problems.Add($"{label(UserText.Shorten(given.Name))} is not an option; known: {string.Join(", ", Names.Order(StringComparer.Ordinal))}");
                continue;
            }
            if (!methods.Any(spec.AppliesTo))
            {
                string which = methods.Count == 1 ? $"does not apply to method {methods[0].Name}"
                    : $"applies to none of the methods chosen ({string.Join(", ", methods.Select(m => m.Name).Distinct())})";
                problems.Add($"{label(spec.Name)} {which}; it applies to {string.Join(", ", ExplainMethods.All.Where(spec.AppliesTo).Select(m => m.Name))}");
                continue;
            }
            if (given.Read(spec) is { } value)
            {
                settings = spec.Apply(settings, value);
                givenNames.Add(spec.Name);
            }
            else problems.Add($"{label(spec.Name)} must be {spec.Expected}, not {UserText.Shorten(given.Text)}");
        }
        // A count of tokens that selects nothing would be silently ignored: say so instead.
        if (givenNames.Contains("top_k") && settings.Glimpse.AnswerTokens != AnswerTokenSelection.TopK)
            problems.Add($"{label("top_k")} applies only with {label("answer_tokens")} top-k");
        try
        {
            settings.Glimpse.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            problems.Add($"options: {e.Message}");
        }
        return settings;
    }

    /// <summary>
    /// The options of <paramref name="options"/> that <paramref name="method"/> takes: an audit suite gives one set of
    /// options for all its methods, each of which must apply to at least one of them (the suite reader checks).
    /// </summary>
    public static IReadOnlyDictionary<string, JsonElement> For(ExplainMethod method, IReadOnlyDictionary<string, JsonElement> options)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(options);
        return options.Where(o => Find(o.Key) is { } spec && spec.AppliesTo(method)).ToDictionary(o => o.Key, o => o.Value, StringComparer.Ordinal);
    }

    /// <summary>result.json's <c>options</c>: every reported option <paramref name="method"/> takes, by name, plus the mode of GLIMPSE.</summary>
    public static IReadOnlyDictionary<string, string> Describe(ExplainSettings settings, ExplainMethod method)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(method);
        var described = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var option in All.Where(o => o.Reported && o.AppliesTo(method))) described[option.Name] = option.Value(settings);
        if (method.Family == MethodFamily.Glimpse) described["mode"] = method.Approximate ? "fast (approximate)" : "exact";
        return described;
    }

    private static ExplainOption Number(string name, string description, double min, bool minExclusive, double max,
        Func<ExplainSettings, double> read, Func<ExplainSettings, double, ExplainSettings> apply) => new()
    {
        Name = name, Kind = OptionKind.Number, Description = description, Families = GlimpseOnly, Reported = true,
        Minimum = min, MinimumExclusive = minExclusive, Maximum = max,
        Read = s => read(s), Apply = (s, v) => apply(s, (double)v),
    };

    private static ExplainOption Boolean(string name, string description, MethodFamily[] families, bool reported,
        Func<ExplainSettings, bool> read, Func<ExplainSettings, bool, ExplainSettings> apply) => new()
    {
        Name = name, Kind = OptionKind.Boolean, Description = description, Families = families, Reported = reported,
        Read = s => read(s), Apply = (s, v) => apply(s, (bool)v),
    };

    /// <summary>An option over an enum's members, spelt in lower case with '-' between words (LogProbability → log-prob is
    /// the one exception, kept from the method's notation).</summary>
    private static ExplainOption Choice<T>(string name, string description, Func<ExplainSettings, T> read, Func<ExplainSettings, T, ExplainSettings> apply)
        where T : struct, Enum => new()
    {
        Name = name, Kind = OptionKind.Choice, Description = description, Families = GlimpseOnly, Reported = true, Choices = ChoiceNames<T>(),
        Read = s => Name(read(s)), Apply = (s, v) => apply(s, Parse<T>((string)v)),
    };

    private static string[] ChoiceNames<T>() where T : struct, Enum => [.. Enum.GetValues<T>().Select(v => Name(v))];

    /// <summary>How an enum member is spelt in options.</summary>
    public static string Name<T>(T value) where T : struct, Enum => value switch
    {
        GradientTarget.LogProbability => "log-prob",
        AnswerTokenSelection.TopK => "top-k",
        _ => value.ToString().ToLowerInvariant(),
    };

    private static T Parse<T>(string text) where T : struct, Enum => Enum.GetValues<T>().First(v => Name(v) == text);
}
