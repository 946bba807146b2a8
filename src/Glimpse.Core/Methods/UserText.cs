namespace Glimpse.Core.Methods;

/// <summary>User text quoted back in a problem message.</summary>
public static class UserText
{
    /// <summary>At most 40 characters of <paramref name="text"/>, so a huge value cannot flood logs and failure records.</summary>
    public static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
