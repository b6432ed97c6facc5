namespace Kaptain.Testing;

/// <summary>Deletes temporary folders that fixtures created, without failing a test over leftovers.</summary>
internal static class TemporaryDirectory
{
    public static void Delete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
            // A file still open by a stopping server; the OS temp cleanup takes it later.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
