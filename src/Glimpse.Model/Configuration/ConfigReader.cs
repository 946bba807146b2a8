namespace Glimpse.Model.Configuration;

/// <summary>
/// Reads a checkpoint's <c>config.json</c> into a resolved config: the <c>model_type</c> picks the family
/// (<see cref="Families.ModelFamilies"/>), which reads the rest with Hugging Face's defaults.
/// </summary>
public static class ConfigReader
{
    public static VisionLanguageConfig Read(string modelDir)
    {
        var json = JsonConfig.Load(Path.Combine(modelDir, "config.json"));
        string modelType = json.String("model_type", "");
        if (modelType == "") throw new ModelLoadException($"{json.File}: no 'model_type'; cannot tell the architecture.");
        var family = Families.ModelFamilies.Find(modelType) ?? throw new ModelLoadException(
            $"{json.File}: model_type '{modelType}' is not supported. Supported: {Families.ModelFamilies.Supported}.");
        return family.ReadConfig(json, modelDir);
    }
}

/// <summary>
/// Reads the decoder part of a config (Llama, Mistral, Qwen2, Qwen3-VL's Qwen3): every default below is the one the
/// Hugging Face config class uses when the key is absent (save_pretrained leaves defaults out): LlamaConfig,
/// MistralConfig and Qwen2VLConfig of transformers 4.47, Qwen3VLTextConfig of transformers 4.57.
/// </summary>
internal static class DecoderConfigReader
{
    private enum Kind { Llama, Mistral, Qwen2, Qwen3 }

    /// <param name="defaultType">the text model_type to assume when the section names none ("llama", "qwen2_vl", …)</param>
    public static TextDecoderConfig Read(JsonConfig text, string defaultType, string file, bool tieDefault = false)
    {
        string type = text.String("model_type", defaultType);
        var kind = type switch
        {
            "llama" => Kind.Llama,
            "mistral" => Kind.Mistral,
            "qwen2_vl" or "qwen2" or "qwen2_vl_text" or "qwen2_5_vl" or "qwen2_5_vl_text" => Kind.Qwen2,
            "qwen3_vl" or "qwen3_vl_text" => Kind.Qwen3,
            _ => throw new ModelLoadException($"{file}: text model_type '{type}' is not supported (llama, mistral, qwen2 and qwen3_vl_text are)."),
        };
        bool qwen2 = kind == Kind.Qwen2, qwen3 = kind == Kind.Qwen3, mistral = kind == Kind.Mistral;

        // LlamaConfig vs Qwen2VLConfig vs Qwen3VLTextConfig defaults: sizes, eps and theta differ.
        int hidden = text.Int("hidden_size", kind switch { Kind.Qwen2 => 8192, _ => 4096 });
        int heads = text.Int("num_attention_heads", kind switch { Kind.Qwen2 => 64, _ => 32 });
        var rope = text.Section("rope_scaling");
        int[]? mrope = null;
        if (rope is not null)
        {
            string ropeType = rope.String("rope_type", rope.String("type", "default"));
            if (rope.Has("mrope_section")) mrope = rope.LongList("mrope_section", []).Select(x => (int)x).ToArray();
            else if (ropeType is not ("default" or "mrope"))
                throw new ModelLoadException($"{file}: rope_scaling type '{ropeType}' is not supported (only plain RoPE and M-RoPE).");
        }
        // Qwen3-VL's text rotary falls back to [24, 20, 20] when rope_scaling names no section.
        if (qwen3) mrope ??= [24, 20, 20];
        if (qwen2 && mrope is null)
            throw new ModelLoadException($"{file}: Qwen2-VL needs rope_scaling.mrope_section (the multimodal rotary split).");
        // Mistral has no attention biases whatever the key says (MistralAttention builds its projections without).
        bool attentionBias = !mistral && text.Bool("attention_bias", false);

        // Mistral's sliding window masks keys more than sliding_window positions back. Up to that length the attention
        // is plain causal, so the window bounds the context this decoder runs exactly. MistralConfig's default window is
        // 4096; an explicit null (llava-v1.6-mistral) means none.
        int? slidingWindow = !mistral ? null
            : text.Has("sliding_window") ? text.Int("sliding_window", 0)
            : text.HasKey("sliding_window") ? null : 4096;
        int maxPositions = text.Int("max_position_embeddings",
            kind switch { Kind.Llama => 2048, Kind.Mistral => 4096 * 32, Kind.Qwen2 => 32768, _ => 128000 });
        if (slidingWindow is int window)
        {
            if (window <= 0) throw new ModelLoadException($"{file}: sliding_window {window} must be positive.");
            maxPositions = Math.Min(maxPositions, window);
        }

        var config = new TextDecoderConfig
        {
            ModelType = kind switch { Kind.Llama => "llama", Kind.Mistral => "mistral", Kind.Qwen2 => "qwen2", _ => "qwen3" },
            VocabSize = text.Int("vocab_size", kind switch { Kind.Llama or Kind.Mistral => 32000, Kind.Qwen2 => 152064, _ => 151936 }),
            HiddenSize = hidden,
            IntermediateSize = text.Int("intermediate_size", kind switch { Kind.Llama => 11008, Kind.Mistral => 14336, Kind.Qwen2 => 29568, _ => 22016 }),
            NumLayers = text.Int("num_hidden_layers", qwen2 ? 80 : 32),
            NumHeads = heads,
            NumKeyValueHeads = text.Int("num_key_value_heads", qwen2 || mistral ? 8 : heads),
            HeadDim = text.Int("head_dim", qwen3 ? 128 : hidden / heads),
            RmsNormEps = text.Double("rms_norm_eps", qwen2 ? 1e-5 : 1e-6),
            RopeTheta = text.Double("rope_theta", kind switch { Kind.Llama or Kind.Mistral => 10_000, Kind.Qwen2 => 1_000_000, _ => 5_000_000 }),
            MropeSection = mrope,
            // Qwen3-VL interleaves its frequencies whatever rope_scaling.mrope_interleaved says (its code never reads the flag).
            MropeLayout = qwen3 ? Modules.MropeLayout.Interleaved : Modules.MropeLayout.Split,
            QkNorm = qwen3,
            // Qwen2 always has q/k/v biases and none on o_proj; Llama and Qwen3 put attention_bias on all four.
            QkvBias = qwen2 || attentionBias,
            OutputBias = !qwen2 && attentionBias,
            MlpBias = kind == Kind.Llama && text.Bool("mlp_bias", false),
            HiddenAct = text.String("hidden_act", "silu"),
            MaxPositionEmbeddings = maxPositions,
            TieWordEmbeddings = text.Bool("tie_word_embeddings", tieDefault),
            BosTokenId = text.OptionalLong("bos_token_id") ?? (kind is Kind.Llama or Kind.Mistral ? 1 : null),
            EosTokenIds = text.LongList("eos_token_id", kind is Kind.Llama or Kind.Mistral ? [2] : []),
        };
        if (config.NumHeads % config.NumKeyValueHeads != 0)
            throw new ModelLoadException($"{file}: num_attention_heads {config.NumHeads} is not a multiple of num_key_value_heads {config.NumKeyValueHeads}.");
        if (config.MropeSection is { } s && 2 * s.Sum() != config.HeadDim)
            throw new ModelLoadException($"{file}: mrope_section [{string.Join(", ", s)}] must sum to head_dim/2 = {config.HeadDim / 2}.");
        return config;
    }
}
