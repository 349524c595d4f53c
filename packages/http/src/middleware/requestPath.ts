/** A request URL's path, without the query string: what routes, gateway signatures and access logs use. */
export const pathOf = (url: string): string => {
  const mark = url.indexOf("?")
  return mark < 0 ? url : url.slice(0, mark)
}
