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
/// Reads the decoder part of a config (Llama, Qwen2): every default below is the one the Hugging Face config class of
/// transformers 4.47 uses when the key is absent (save_pretrained leaves defaults out).
/// </summary>
internal static class DecoderConfigReader
{
    /// <param name="defaultType">the text model_type to assume when the section names none ("llama", "qwen2_vl", …)</param>
    public static TextDecoderConfig Read(JsonConfig text, string defaultType, string file, bool tieDefault = false)
    {
        string type = text.String("model_type", defaultType);
        bool qwen = type is "qwen2_vl" or "qwen2" or "qwen2_vl_text" or "qwen2_5_vl" or "qwen2_5_vl_text";
        bool mistral = type == "mistral";
        if (!qwen && !mistral && type != "llama")
            throw new ModelLoadException($"{file}: text model_type '{type}' is not supported (llama, mistral and qwen2 are).");

        // Llama defaults (LlamaConfig) vs Qwen2-VL defaults (Qwen2VLConfig): sizes, eps and theta differ.
        int hidden = text.Int("hidden_size", qwen ? 8192 : 4096);
        int heads = text.Int("num_attention_heads", qwen ? 64 : 32);
        var rope = text.Section("rope_scaling");
        int[]? mrope = null;
        if (rope is not null)
        {
            string ropeType = rope.String("rope_type", rope.String("type", "default"));
            if (rope.Has("mrope_section")) mrope = rope.LongList("mrope_section", []).Select(x => (int)x).ToArray();
            else if (ropeType is not ("default" or "mrope"))
                throw new ModelLoadException($"{file}: rope_scaling type '{ropeType}' is not supported (only plain RoPE and M-RoPE).");
        }
        if (qwen && mrope is null)
            throw new ModelLoadException($"{file}: Qwen2-VL needs rope_scaling.mrope_section (the multimodal rotary split).");

        // Mistral is Llama's layout without biases; its own defaults differ (MistralConfig), and its sliding window masks
        // keys more than sliding_window positions back. Up to that length the attention is plain causal, so the window
        // bounds the context this decoder runs exactly. MistralConfig's default window is 4096; an explicit null
        // (llava-v1.6-mistral) means none.
        int? slidingWindow = !mistral ? null
            : text.Has("sliding_window") ? text.Int("sliding_window", 0)
            : text.HasKey("sliding_window") ? null : 4096;
        int maxPositions = text.Int("max_position_embeddings", qwen ? 32768 : mistral ? 4096 * 32 : 2048);
        if (slidingWindow is int window)
        {
            if (window <= 0) throw new ModelLoadException($"{file}: sliding_window {window} must be positive.");
            maxPositions = Math.Min(maxPositions, window);
        }

        var config = new TextDecoderConfig
        {
            ModelType = qwen ? "qwen2" : "llama",
            VocabSize = text.Int("vocab_size", qwen ? 152064 : 32000),
            HiddenSize = hidden,
            IntermediateSize = text.Int("intermediate_size", qwen ? 29568 : mistral ? 14336 : 11008),
            NumLayers = text.Int("num_hidden_layers", qwen ? 80 : 32),
            NumHeads = heads,
            NumKeyValueHeads = text.Int("num_key_value_heads", qwen || mistral ? 8 : heads),
            HeadDim = text.Int("head_dim", hidden / heads),
            RmsNormEps = text.Double("rms_norm_eps", qwen ? 1e-5 : 1e-6),
            RopeTheta = text.Double("rope_theta", qwen ? 1_000_000 : 10_000),
            MropeSection = mrope,
            QkvBias = qwen || (!mistral && text.Bool("attention_bias", false)),
            OutputBias = !qwen && !mistral && text.Bool("attention_bias", false),
            MlpBias = !qwen && !mistral && text.Bool("mlp_bias", false),
            HiddenAct = text.String("hidden_act", "silu"),
            MaxPositionEmbeddings = maxPositions,
            TieWordEmbeddings = text.Bool("tie_word_embeddings", tieDefault),
            BosTokenId = text.OptionalLong("bos_token_id") ?? (qwen ? null : 1),
            EosTokenIds = text.LongList("eos_token_id", qwen ? [] : [2]),
        };
        if (config.NumHeads % config.NumKeyValueHeads != 0)
            throw new ModelLoadException($"{file}: num_attention_heads {config.NumHeads} is not a multiple of num_key_value_heads {config.NumKeyValueHeads}.");
        if (config.MropeSection is { } s && 2 * s.Sum() != config.HeadDim)
            throw new ModelLoadException($"{file}: mrope_section [{string.Join(", ", s)}] must sum to head_dim/2 = {config.HeadDim / 2}.");
        return config;
    }

}
