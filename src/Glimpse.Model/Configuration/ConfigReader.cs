namespace Glimpse.Model.Configuration;

/// <summary>
/// Reads a checkpoint's <c>config.json</c> into a resolved config. Every default below is the one the Hugging Face
/// config class of transformers 4.47 uses when the key is absent (save_pretrained leaves defaults out).
/// </summary>
public static class ConfigReader
{
    public static VisionLanguageConfig Read(string modelDir)
    {
        var json = JsonConfig.Load(Path.Combine(modelDir, "config.json"));
        string modelType = json.String("model_type", "");
        return modelType switch
        {
            "llava" => ReadLlava(json, modelDir),
            "qwen2_vl" => ReadQwen2VL(json, modelDir),
            "qwen2_5_vl" => ReadQwen25VL(json, modelDir),
            "" => throw new ModelLoadException($"{json.File}: no 'model_type'; cannot tell the architecture."),
            _ => throw new ModelLoadException(
                $"{json.File}: model_type '{modelType}' is not supported. Supported: llava (LLaVA-1.5), qwen2_vl (Qwen2-VL), qwen2_5_vl (Qwen2.5-VL)."),
        };
    }

    private static LlavaConfig ReadLlava(JsonConfig json, string dir)
    {
        var text = json.Section("text_config");
        var vision = json.Section("vision_config");
        string strategy = json.String("vision_feature_select_strategy", "default");
        if (strategy is not ("default" or "full"))
            throw new ModelLoadException($"{json.File}: vision_feature_select_strategy '{strategy}' is neither 'default' nor 'full'.");
        var clip = ReadClip(vision, json.File);
        return new LlavaConfig
        {
            ModelType = "llava",
            Directory = dir,
            // LlavaConfig's text default is a Llama config; the decoder's own tie flag is the one transformers 4.47 uses.
            Text = ReadDecoder(text ?? Empty(json, "text_config"), "llama", json.File, tieDefault: false),
            Vision = clip,
            ImageTokenId = json.Long("image_token_index", json.Long("image_token_id", 32000)),
            ImageSeqLength = json.Int("image_seq_length", 576),
            VisionFeatureLayers = json.LongList("vision_feature_layer", [-2]).Select(x => (int)x).ToArray(),
            VisionFeatureSelectStrategy = strategy,
            ProjectorHiddenAct = json.String("projector_hidden_act", "gelu"),
            ProjectorBias = json.Bool("multimodal_projector_bias", true),
        };
    }

    private static Qwen2VLConfig ReadQwen2VL(JsonConfig json, string dir)
    {
        // Hub configs are flat (text fields at the top level); newer ones nest them under text_config.
        var text = json.Section("text_config") ?? json;
        var vision = json.Section("vision_config") ?? Empty(json, "vision_config");
        var decoder = ReadDecoder(text, "qwen2_vl", json.File, tieDefault: false);
        return new Qwen2VLConfig
        {
            ModelType = "qwen2_vl",
            Directory = dir,
            Text = decoder,
            Vision = new Qwen2VisionConfig
            {
                Depth = vision.Int("depth", 32),
                EmbedDim = vision.Int("embed_dim", 1280),
                NumHeads = vision.Int("num_heads", 16),
                MlpRatio = vision.Double("mlp_ratio", 4),
                OutputHiddenSize = vision.Int("hidden_size", 3584),
                PatchSize = vision.Int("patch_size", 14),
                TemporalPatchSize = vision.Int("temporal_patch_size", 2),
                SpatialMergeSize = vision.Int("spatial_merge_size", 2),
                InChannels = vision.Int("in_channels", 3),
                HiddenAct = vision.String("hidden_act", "quick_gelu"),
            },
            ImageTokenId = json.Long("image_token_id", 151655),
            VisionStartTokenId = json.Long("vision_start_token_id", 151652),
            VisionEndTokenId = json.Long("vision_end_token_id", 151653),
        };
    }

    /// <summary>Qwen2.5-VL: defaults of transformers 4.49's Qwen2_5_VLConfig / Qwen2_5_VLVisionConfig.</summary>
    private static Qwen25VLConfig ReadQwen25VL(JsonConfig json, string dir)
    {
        // Flat hub configs as for Qwen2-VL; newer files nest the text fields under text_config.
        var text = json.Section("text_config") ?? json;
        var vision = json.Section("vision_config") ?? Empty(json, "vision_config");
        var decoder = ReadDecoder(text, "qwen2_5_vl", json.File, tieDefault: false);
        var config = new Qwen25VLConfig
        {
            ModelType = "qwen2_5_vl",
            Directory = dir,
            Text = decoder,
            Vision = new Qwen25VisionConfig
            {
                Depth = vision.Int("depth", 32),
                HiddenSize = vision.Int("hidden_size", 3584),
                IntermediateSize = vision.Int("intermediate_size", 3420),
                NumHeads = vision.Int("num_heads", 16),
                HiddenAct = vision.String("hidden_act", "silu"),
                PatchSize = vision.Int("patch_size", 14),
                TemporalPatchSize = vision.Int("temporal_patch_size", 2),
                SpatialMergeSize = vision.Int("spatial_merge_size", 2),
                InChannels = vision.Int("in_channels", 3),
                WindowSize = vision.Int("window_size", 112),
                OutHiddenSize = vision.Int("out_hidden_size", 3584),
                FullAttentionBlocks = vision.LongList("fullatt_block_indexes", [7, 15, 23, 31]).Select(x => (int)x).ToArray(),
                TokensPerSecond = vision.Double("tokens_per_second", 4),
            },
            ImageTokenId = json.Long("image_token_id", 151655),
            VisionStartTokenId = json.Long("vision_start_token_id", 151652),
            VisionEndTokenId = json.Long("vision_end_token_id", 151653),
            VideoTokenId = json.Long("video_token_id", 151656),
        };
        var v = config.Vision;
        if (v.HiddenSize % v.NumHeads != 0)
            throw new ModelLoadException($"{json.File}: vision_config.hidden_size {v.HiddenSize} is not a multiple of num_heads {v.NumHeads}.");
        if (v.WindowUnits < 1)
            throw new ModelLoadException(
                $"{json.File}: vision_config.window_size {v.WindowSize} is smaller than one merge unit ({v.SpatialMergeSize}×{v.PatchSize} px).");
        if (v.OutHiddenSize != decoder.HiddenSize)
            throw new ModelLoadException(
                $"{json.File}: vision_config.out_hidden_size {v.OutHiddenSize} differs from the language model's hidden_size {decoder.HiddenSize}.");
        return config;
    }

    private static ClipVisionConfig ReadClip(JsonConfig? vision, string file)
    {
        // LlavaConfig builds CLIPVisionConfig(intermediate 4096, hidden 1024, patch 14, image 336, layers 24, heads 16,
        // vocab 32000, projection_dim 768) when vision_config is absent; CLIP's own class defaults apply to absent keys.
        if (vision is null)
            return new ClipVisionConfig
            {
                HiddenSize = 1024, IntermediateSize = 4096, NumLayers = 24, NumHeads = 16, ImageSize = 336, PatchSize = 14,
                NumChannels = 3, LayerNormEps = 1e-5, HiddenAct = "quick_gelu",
            };
        string type = vision.String("model_type", "clip_vision_model");
        if (type != "clip_vision_model")
            throw new ModelLoadException($"{file}: vision_config.model_type '{type}' is not supported for LLaVA (clip_vision_model is).");
        return new ClipVisionConfig
        {
            HiddenSize = vision.Int("hidden_size", 768),
            IntermediateSize = vision.Int("intermediate_size", 3072),
            NumLayers = vision.Int("num_hidden_layers", 12),
            NumHeads = vision.Int("num_attention_heads", 12),
            ImageSize = vision.Int("image_size", 224),
            PatchSize = vision.Int("patch_size", 32),
            NumChannels = vision.Int("num_channels", 3),
            LayerNormEps = vision.Double("layer_norm_eps", 1e-5),
            HiddenAct = vision.String("hidden_act", "quick_gelu"),
        };
    }

    private static TextDecoderConfig ReadDecoder(JsonConfig text, string defaultType, string file, bool tieDefault)
    {
        string type = text.String("model_type", defaultType);
        // Flat Qwen configs carry the composite type; nested text_config sections name their own text types.
        bool qwen = type is "qwen2_vl" or "qwen2" or "qwen2_vl_text" or "qwen2_5_vl" or "qwen2_5_vl_text";
        if (!qwen && type != "llama")
            throw new ModelLoadException($"{file}: text model_type '{type}' is not supported (llama and qwen2 are).");

        // Llama defaults (LlamaConfig) vs Qwen2-VL defaults (Qwen2VLConfig; Qwen2_5_VLConfig has the same): sizes, eps and theta differ.
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
            throw new ModelLoadException($"{file}: Qwen2-VL and Qwen2.5-VL need rope_scaling.mrope_section (the multimodal rotary split).");

        var config = new TextDecoderConfig
        {
            ModelType = qwen ? "qwen2" : "llama",
            VocabSize = text.Int("vocab_size", qwen ? 152064 : 32000),
            HiddenSize = hidden,
            IntermediateSize = text.Int("intermediate_size", qwen ? 29568 : 11008),
            NumLayers = text.Int("num_hidden_layers", qwen ? 80 : 32),
            NumHeads = heads,
            NumKeyValueHeads = text.Int("num_key_value_heads", qwen ? 8 : heads),
            HeadDim = text.Int("head_dim", hidden / heads),
            RmsNormEps = text.Double("rms_norm_eps", qwen ? 1e-5 : 1e-6),
            RopeTheta = text.Double("rope_theta", qwen ? 1_000_000 : 10_000),
            MropeSection = mrope,
            QkvBias = qwen || text.Bool("attention_bias", false),
            OutputBias = !qwen && text.Bool("attention_bias", false),
            MlpBias = !qwen && text.Bool("mlp_bias", false),
            HiddenAct = text.String("hidden_act", "silu"),
            MaxPositionEmbeddings = text.Int("max_position_embeddings", qwen ? 32768 : 2048),
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

    private static JsonConfig Empty(JsonConfig parent, string key) =>
        new(new System.Text.Json.Nodes.JsonObject(), parent.File, key);
}
